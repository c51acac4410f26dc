public import EventModel

/// A compiled `filters.script`: a program that passes or fails event data (Lua in the gateway; any conformer in
/// tests, so the evaluation rules stay testable without the interpreter).
public protocol EventPredicate: Sendable {
    /// The program's source, for `explain`.
    var source: String { get }
    /// Whether the program passes the data (a JSON object).
    /// - Throws: ``ProgramError`` when the program fails or exceeds its budget.
    func passes(_ data: EventMap) throws(ProgramError) -> Bool
}

/// A compiled `transform` (jq or Lua): a program that rewrites event data.
public protocol EventTransformation: Sendable {
    /// `jq` or `script`, for `explain`.
    var kind: String { get }
    /// The program's source, for `explain`.
    var source: String { get }
    /// The new data for a JSON object.
    /// - Throws: ``ProgramError`` when the program fails or its result is not what the kind requires.
    func transform(_ data: EventMap) throws(ProgramError) -> EventValue
}

/// Why a script filter or a transform failed on an event.
public struct ProgramError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The interpreter's message, or ours.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
