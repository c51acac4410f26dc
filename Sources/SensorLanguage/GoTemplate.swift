public import EventModel

/// A Go `text/template`, with sprig functions, as sensors write it in `dataTemplate`, `contextTemplate` and the data
/// filter's `template`; parsed once, when the sensor loads.
///
/// Supported: text with `{{ … }}` actions, `{{-`/`-}}` trimming, comments `{{/* … */}}`; `if`/`else if`/`else`,
/// `range` (lists, and maps in sorted key order; `{{ range $i, $v := … }}`; `else` when empty), `with`/`else`,
/// `end`, `break` and `continue` in a `range`; variables (`$x := …`, `$x = …`, `$` for the root); fields (`.Input.body.name`, `$x.name`, `(…).name`);
/// literals (`"text"`, `` `raw` ``, numbers, `true`, `false`, `nil`); pipelines (`x | f a`) and parenthesised
/// pipelines; and the functions in ``GoTemplate/functions``. Not supported (a load error): `define`, `template`,
/// `block`, and any other function.
public struct GoTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The functions a template may call (Go's built-ins and sprig's, with their semantics).
    public static var functions: [String] { TemplateFunctions.table.keys.sorted() }

    package indirect enum Operand: Sendable, Hashable {
        /// A field chain from dot: `.a.b` (`.` when empty).
        case field([String])
        /// A variable and a field chain from it: `$x.a`.
        case variable(String, [String])
        /// A string, number, bool or `nil` literal.
        case constant(EventValue)
        /// A parenthesised pipeline and a field chain from its value.
        case pipeline(Pipeline, [String])
        /// A function called without arguments, as an argument: `default "x" list`.
        case function(String)
    }

    package struct Command: Sendable, Hashable {
        /// A function name, or `nil` when the command is a single operand.
        package var function: String?
        package var arguments: [Operand]
        /// Where the command starts in the template text (a character offset).
        package var offset: Int
    }

    package struct Pipeline: Sendable, Hashable {
        /// Variables the pipeline declares (`$x :=`) or assigns (`$x =`).
        package var variables: [String] = []
        package var isAssignment = false
        package var commands: [Command]
    }

    package enum BranchKind: Sendable, Hashable {
        case `if`, with
    }

    package indirect enum Node: Sendable, Hashable {
        case text(String)
        case output(Pipeline)
        /// `if` or `with`: the body when the pipeline is true, else the `else` part.
        case branch(BranchKind, Pipeline, [Node], otherwise: [Node])
        /// `range`: the body per element, the `else` part when there is none.
        case range(Pipeline, [Node], otherwise: [Node])
        /// `{{break}}` and `{{continue}}` inside a `range`.
        case breakLoop, continueLoop
    }

    package let nodes: [Node]

    /// The template text as written.
    public let source: String

    /// Parses a template.
    /// - Throws: ``TemplateError`` naming the problem and where it is (line and column in the template).
    public init(_ source: String) throws(TemplateError) {
        self.source = source
        var parser = try TemplateParser(source: source)
        nodes = try parser.parse()
    }

    /// The source text.
    public var description: String { source }

    /// Runs the template with `.Input` bound to `input`.
    /// - Returns: the output text; a missing field prints `<no value>`, as Go does for a map.
    /// - Throws: ``TemplateError`` when a function fails, values do not compare, a field is read from a value that has
    ///   none, or the output grows past ``GoTemplate/outputLimit``.
    public func render(input: EventValue) throws(TemplateError) -> String {
        var executor = TemplateExecutor(source: source, root: .map(["Input": .value(input)]))
        try executor.walk(nodes, dot: executor.root)
        return executor.output
    }

    /// The largest output a template may produce, in UTF-8 bytes (a nested `range` over big lists is refused
    /// rather than filling memory).
    public static let outputLimit = 1 << 20
}

/// A template that does not parse or does not run.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The template text.
    public var template: String
    /// What is wrong.
    public var reason: String
    /// The line (from 1) in the template text where the problem is, when known.
    public var line: Int?
    /// The column (from 1, in Unicode scalars) on that line.
    public var column: Int?

    /// Creates an error; the position, when given, is a character offset into `template`.
    public init(template: String, reason: String, offset: Int? = nil) {
        self.template = template
        self.reason = reason
        guard let offset else { return }
        var line = 1
        var column = 1
        for scalar in template.unicodeScalars.prefix(offset) {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        self.line = line
        self.column = column
    }

    /// `template '{{ x }}': 1:4: reason`.
    public var description: String {
        let position = line.map { line in "\(line):\(column ?? 1): " } ?? ""
        return "template '\(template)': \(position)\(reason)"
    }
}
