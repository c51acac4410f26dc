import EventModel

/// Runs a parsed ``GoTemplate``: Go's `text/template` execution over event values.
struct TemplateExecutor {
    let source: String
    let root: TemplateValue
    private(set) var output = ""
    /// Variables in scope, innermost last; `$` is the root.
    private var variables: [(name: String, value: TemplateValue)]

    init(source: String, root: TemplateValue) {
        self.source = source
        self.root = root
        variables = [("$", root)]
    }

    func fail(_ reason: String, at offset: Int?) -> TemplateError {
        TemplateError(template: source, reason: reason, offset: offset)
    }

    /// How a list of nodes ended: at its end, or at a `{{break}}` or `{{continue}}` for the enclosing `range`.
    enum Flow {
        case next, breakLoop, continueLoop
    }

    /// Runs `nodes`; stops early, and says so, at a `{{break}}` or `{{continue}}`.
    @discardableResult
    mutating func walk(_ nodes: [GoTemplate.Node], dot: TemplateValue) throws(TemplateError) -> Flow {
        for node in nodes {
            var flow = Flow.next
            switch node {
            case .text(let text): try write(text, at: nil)
            case .output(let pipeline):
                let value = try evaluate(pipeline, dot: dot)
                if pipeline.variables.isEmpty { try write(value.printed, at: pipeline.commands.first?.offset) }
            case .branch(let kind, let pipeline, let body, let otherwise):
                let scope = variables.count
                let value = try evaluate(pipeline, dot: dot)
                if value.isTrue {
                    flow = try walk(body, dot: kind == .with ? value : dot)
                } else {
                    flow = try walk(otherwise, dot: dot)
                }
                variables.removeSubrange(scope...)
            case .range(let pipeline, let body, let otherwise):
                try range(pipeline, body, otherwise: otherwise, dot: dot)
            case .breakLoop: flow = .breakLoop
            case .continueLoop: flow = .continueLoop
            }
            if flow != .next { return flow }
        }
        return .next
    }

    private mutating func write(_ text: String, at offset: Int?) throws(TemplateError) {
        output += text
        guard output.utf8.count <= GoTemplate.outputLimit else {
            throw fail("output is larger than \(GoTemplate.outputLimit) bytes", at: offset)
        }
    }

    private mutating func range(
        _ pipeline: GoTemplate.Pipeline, _ body: [GoTemplate.Node], otherwise: [GoTemplate.Node], dot: TemplateValue
    ) throws(TemplateError) {
        let scope = variables.count
        // The range variables are set per element, not to the ranged value.
        let names = pipeline.variables
        let value = try evaluate(GoTemplate.Pipeline(commands: pipeline.commands), dot: dot)
        var items: [(key: EventValue, value: TemplateValue)] = []
        if let elements = value.elements {
            items = elements.enumerated().map { (.int(Int64($0.offset)), .value($0.element)) }
        } else if let entries = value.entries {
            items = entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { key in
                (.string(key), entries[key].map(TemplateValue.value) ?? .missing)
            }
        } else if !value.isNil {
            throw fail("range can't iterate over \(value.printed)", at: pipeline.commands.first?.offset)
        }
        if items.isEmpty { try walk(otherwise, dot: dot) }
        for item in items {
            if names.count == 1 { variables.append((names[0], item.value)) }
            if names.count == 2 { variables += [(names[0], .value(item.key)), (names[1], item.value)] }
            let flow = try walk(body, dot: item.value)
            variables.removeSubrange(scope...)
            if flow == .breakLoop { break }
        }
    }

    /// A pipeline's value; a declaration adds its variable, an assignment changes the nearest one of that name.
    mutating func evaluate(_ pipeline: GoTemplate.Pipeline, dot: TemplateValue) throws(TemplateError) -> TemplateValue {
        var previous: TemplateValue?
        for command in pipeline.commands {
            previous = try evaluate(command, piped: previous, dot: dot)
        }
        let value = previous ?? .missing
        for name in pipeline.variables {
            if pipeline.isAssignment, let index = variables.lastIndex(where: { $0.name == name }) {
                variables[index].value = value
            } else {
                variables.append((name, value))
            }
        }
        return value
    }

    private mutating func evaluate(
        _ command: GoTemplate.Command, piped: TemplateValue?, dot: TemplateValue
    ) throws(TemplateError) -> TemplateValue {
        guard let name = command.function else {
            guard piped == nil, let operand = command.arguments.first else {
                throw fail("can't give argument to non-function", at: command.offset)
            }
            return try evaluate(operand, dot: dot, at: command.offset)
        }
        guard let function = TemplateFunctions.table[name] else {
            throw fail("function \"\(name)\" not defined", at: command.offset)
        }
        var arguments: [TemplateValue] = []
        for operand in command.arguments {
            let value = try evaluate(operand, dot: dot, at: command.offset)
            arguments.append(value)
            // Go 1.18: `and` and `or` stop at the first argument that decides them.
            if (name == "and" && !value.isTrue) || (name == "or" && value.isTrue) { break }
        }
        if let piped, arguments.count == command.arguments.count { arguments.append(piped) }
        let result: TemplateValue
        do {
            result = try function(arguments)
        } catch {
            throw fail("error calling \(name): \(error.reason)", at: command.offset)
        }
        // sprig's `set` and `unset` change the dict they are given: `{{ $_ := set $d "k" 1 }}` changes `$d`.
        if name == "set" || name == "unset", case .variable(let variable, let names)? = command.arguments.first,
            names.isEmpty, let index = variables.lastIndex(where: { $0.name == variable })
        {
            variables[index].value = result
        }
        return result
    }

    private mutating func evaluate(
        _ operand: GoTemplate.Operand, dot: TemplateValue, at offset: Int
    ) throws(TemplateError) -> TemplateValue {
        switch operand {
        case .constant(let value): return .value(value)
        case .field(let names): return try chain(dot, names, at: offset)
        case .variable(let name, let names):
            guard let value = variables.last(where: { $0.name == name })?.value else {
                throw fail("undefined variable \"\(name)\"", at: offset)
            }
            return try chain(value, names, at: offset)
        case .pipeline(let pipeline, let names):
            let scope = variables.count
            let value = try evaluate(pipeline, dot: dot)
            variables.removeSubrange(scope...)
            return try chain(value, names, at: offset)
        case .function(let name):
            return try evaluate(GoTemplate.Command(function: name, arguments: [], offset: offset), piped: nil, dot: dot)
        }
    }

    private func chain(_ start: TemplateValue, _ names: [String], at offset: Int) throws(TemplateError) -> TemplateValue
    {
        var value = start
        for name in names {
            if let member = value.member(name) {
                value = member
            } else if value.isNil {
                throw fail("nil pointer evaluating .\(names.joined(separator: ".")): no '\(name)'", at: offset)
            } else {
                throw fail("can't evaluate field \(name) in a \(value.typeName)", at: offset)
            }
        }
        return value
    }
}
