import EventModel
import JQProgram
import LuaScript
import SensorLanguage

/// A `filters.script`: a Lua script compiled at load.
struct LuaPredicate: EventPredicate {
    let script: LuaScript
    var source: String { script.source }

    func passes(_ data: EventMap) throws(ProgramError) -> Bool {
        do { return try script.returnsTrue(event: data) } catch { throw ProgramError(error.message) }
    }
}

/// A `transform.script`: a Lua script compiled at load, which must return a table.
struct LuaTransformation: EventTransformation {
    let script: LuaScript
    var kind: String { "script" }
    var source: String { script.source }

    func transform(_ data: EventMap) throws(ProgramError) -> EventValue {
        do { return try script.returnedTable(event: data) } catch { throw ProgramError(error.message) }
    }
}

/// A `transform.jq`: a jq program compiled at load, whose first output must be a JSON object.
struct JQTransformation: EventTransformation {
    let program: JQProgram
    var kind: String { "jq" }
    var source: String { program.source }

    func transform(_ data: EventMap) throws(ProgramError) -> EventValue {
        let output: EventValue
        do { output = try program.firstOutput(.map(data)) } catch { throw ProgramError(error.message) }
        guard case .map = output else {
            throw ProgramError("jq transformation output is not a JSON object (\(output.typeName))")
        }
        return output
    }
}
