public import EventModel

/// A Lua 5.1 script compiled once, run in a fresh sandboxed state per evaluation with the event's data as the
/// global table `event` (Argo Events' `filters.script` and `transform.script`).
///
/// Sendable: it holds only the script's name and bytecode, both immutable; every evaluation opens a state of its
/// own, so concurrent evaluations share nothing.
public final class LuaScript: Sendable {
    /// The script's source.
    public let source: String
    private let name: String
    private let bytecode: [UInt8]

    /// Compiles a script.
    /// - Parameters:
    ///   - source: the Lua source.
    ///   - name: the chunk name that error messages start with (`[string "name"]:line:`).
    /// - Throws: ``LuaError/Code/syntax`` with the script's line.
    public init(source: String, name: String) throws(LuaError) {
        self.source = source
        self.name = name
        let state = try LuaState(limits: nil)
        bytecode = try state.compile(Array(source.utf8), name: name)
    }

    /// Runs the script and says whether its last returned value is `true` (a filter).
    /// - Parameters:
    ///   - event: the data, exposed as the global table `event`.
    ///   - limits: the budget of this evaluation.
    /// - Throws: a ``LuaError`` when the script fails or exceeds its budget.
    public func returnsTrue(event: EventMap, limits: LuaLimits = .default) throws(LuaError) -> Bool {
        let state = try run(event: event, limits: limits)
        return state.topIsTrue
    }

    /// Runs the script and returns the table it returned, as a value (a transform): an array if the table has a
    /// metatable with `__is_array` (as the arrays of `event` have), otherwise a map.
    /// - Parameters:
    ///   - event: the data, exposed as the global table `event`.
    ///   - limits: the budget of this evaluation.
    /// - Throws: a ``LuaError`` when the script fails, exceeds its budget or returns no table.
    public func returnedTable(event: EventMap, limits: LuaLimits = .default) throws(LuaError) -> EventValue {
        let state = try run(event: event, limits: limits)
        return try state.topTable()
    }

    private func run(event: EventMap, limits: LuaLimits) throws(LuaError) -> LuaState {
        let state = try LuaState(limits: limits)
        try state.load(bytecode, name: name)
        state.setGlobal("event", to: .map(event))
        try state.call()
        return state
    }
}
