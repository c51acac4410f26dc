/// Why a Lua script could not be compiled or evaluated.
public struct LuaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, stable for metrics and tests.
    public enum Code: String, Sendable, Hashable {
        /// The source does not compile.
        case syntax
        /// The script raised an error (including a call of an absent global).
        case runtime
        /// The script ran more VM instructions than its budget.
        case instructionBudget
        /// The script ran longer than its time budget.
        case timeBudget
        /// The script allocated more memory than its cap.
        case memoryCap
        /// The script returned something the caller cannot use (a transform that returns no table).
        case result
    }

    /// What went wrong.
    public var code: Code
    /// Lua's message, or ours (`[string "filters.script"]:1: attempt to index global 'x' (a nil value)`).
    public var message: String
    /// For ``Code/syntax``: the script's line, 1-based, when Lua names it.
    public var line: Int?

    /// Creates an error.
    public init(code: Code, message: String, line: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
    }

    public var description: String { message }
}
