/// Why a jq program could not be compiled or run.
public struct JQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, stable for metrics and tests.
    public enum Code: String, Sendable, Hashable {
        /// The program does not compile.
        case compile
        /// The program raised an error.
        case runtime
        /// The program produced no output.
        case empty
        /// The first output is larger than the limit.
        case outputTooLarge
        /// The input could not be given to jq.
        case input
    }

    /// What went wrong.
    public var code: Code
    /// jq's message, or ours.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
