import EventModel

extension TemplateFunctions {
    /// sprig's defaults: `default`, `empty`, `coalesce`, `ternary`.
    static let defaults: [String: TemplateFunction] = [
        "default": { arguments throws(CallError) in
            // `default "d"` with nothing piped in (a missing field as the last argument is still an argument).
            guard arguments.count <= 2, let fallback = arguments.first else {
                throw CallError("wrong number of args: want 1 or 2 got \(arguments.count)")
            }
            guard arguments.count == 2 else { return fallback }
            return arguments[1].isEmpty ? fallback : arguments[1]
        },
        "empty": unary { .bool($0.isEmpty) },
        "coalesce": { arguments throws(CallError) in arguments.first { !$0.isEmpty } ?? .value(.null) },
        "ternary": { arguments throws(CallError) in
            try arity(arguments, 3)
            guard case .value(.bool(let condition)) = arguments[2] else {
                throw CallError("ternary's condition must be a bool, got \(arguments[2].typeName)")
            }
            return condition ? arguments[0] : arguments[1]
        },
    ]

    /// sprig's list and dict functions. Maps keep their keys sorted; `keys` and `values` follow that order (Go's
    /// map order is random, so a template that depends on it gives no stable answer there).
    static let lists: [String: TemplateFunction] = [
        "list": { arguments throws(CallError) in .list(arguments.map(\.eventValue)) },
        "first": unary(list: "first") { $0.first.map(TemplateValue.value) ?? .value(.null) },
        "last": unary(list: "last") { $0.last.map(TemplateValue.value) ?? .value(.null) },
        "rest": unary(list: "rest") { .list(Array($0.dropFirst())) },
        "initial": unary(list: "initial") { .list(Array($0.dropLast())) },
        "uniq": unary(list: "uniq") { elements in
            var unique: [EventValue] = []
            for element in elements where !unique.contains(element) { unique.append(element) }
            return .list(unique)
        },
        "append": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .list(try list(arguments[0], "append") + [arguments[1].eventValue])
        },
        "prepend": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .list([arguments[1].eventValue] + (try list(arguments[0], "prepend")))
        },
        "has": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .bool(arguments[1].elements?.contains(arguments[0].eventValue) ?? false)
        },
        "without": { arguments throws(CallError) in
            try atLeast(arguments, 1)
            let omit = arguments.dropFirst().map(\.eventValue)
            return .list(try list(arguments[0], "without").filter { !omit.contains($0) })
        },
        "dict": { arguments throws(CallError) in
            var map: [String: EventValue] = [:]
            for start in stride(from: 0, to: arguments.count, by: 2) {
                map[arguments[start].text] = start + 1 < arguments.count ? arguments[start + 1].eventValue : .string("")
            }
            return dict(map)
        },
        "get": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .value(try entries(arguments[0], "get")[arguments[1].text] ?? .string(""))
        },
        "set": { arguments throws(CallError) in
            try arity(arguments, 3)
            var map = try entries(arguments[0], "set")
            map[arguments[1].text] = arguments[2].eventValue
            return dict(map)
        },
        "unset": { arguments throws(CallError) in
            try arity(arguments, 2)
            var map = try entries(arguments[0], "unset")
            map[arguments[1].text] = nil
            return dict(map)
        },
        "hasKey": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .bool(try entries(arguments[0], "hasKey")[arguments[1].text] != nil)
        },
        "keys": { arguments throws(CallError) in
            var keys: [String] = []
            for argument in arguments { keys += try entries(argument, "keys").keys }
            return .list(keys.sorted().map(EventValue.string))
        },
        "values": { arguments throws(CallError) in
            try arity(arguments, 1)
            let map = try entries(arguments[0], "values")
            return .list(map.keys.sorted().compactMap { map[$0] })
        },
        "pluck": { arguments throws(CallError) in
            try atLeast(arguments, 1)
            var found: [EventValue] = []
            for argument in arguments.dropFirst() {
                if let value = try entries(argument, "pluck")[arguments[0].text] { found.append(value) }
            }
            return .list(found)
        },
    ]

    /// A dict value, its keys in sorted order.
    static func dict(_ map: [String: EventValue]) -> TemplateValue { .value(.map(EventMap(map))) }

    private static func list(_ value: TemplateValue, _ function: String) throws(CallError) -> [EventValue] {
        guard let elements = value.elements else { throw CallError("cannot \(function) on type \(value.typeName)") }
        return elements
    }

    private static func entries(_ value: TemplateValue, _ function: String) throws(CallError) -> [String: EventValue] {
        guard let entries = value.entries else { throw CallError("\(function) needs a dict, got \(value.typeName)") }
        return entries
    }

    private static func unary(
        list function: String, _ body: @escaping @Sendable ([EventValue]) -> TemplateValue
    ) -> TemplateFunction {
        { arguments throws(CallError) in
            try arity(arguments, 1)
            return body(try list(arguments[0], function))
        }
    }
}
