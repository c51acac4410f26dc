import CLua
import EventModel

/// One Lua state, the single owner of its `lua_State` and of the budget its allocator and hook count against:
/// `deinit` closes the state, then frees the budget. Used by one evaluation on one thread, never shared.
final class LuaState {
    private let state: OpaquePointer
    private let budget: UnsafeMutablePointer<clua_budget>
    private let limits: LuaLimits?

    /// Tables nested deeper than this are refused when a result is read (a table may contain itself).
    private static let maximumDepth = 128

    /// Opens a sandboxed state; `limits` arm the budget for ``call()`` (`nil`: compile only).
    init(limits: LuaLimits?) throws(LuaError) {
        budget = .allocate(capacity: 1)
        budget.initialize(to: clua_budget())
        guard let state = clua_open(budget) else {
            budget.deallocate()
            throw LuaError(code: .memoryCap, message: "could not open a Lua state")
        }
        self.state = state
        self.limits = limits
    }

    deinit {
        lua_close(state)
        budget.deallocate()
    }

    /// Compiles source and returns its bytecode.
    func compile(_ source: [UInt8], name: String) throws(LuaError) -> [UInt8] {
        try load(source, name: name)
        var size = 0
        guard let bytes = clua_dump(state, &size) else {
            throw LuaError(code: .memoryCap, message: "could not save the compiled script")
        }
        defer { clua_free(bytes) }
        return Array(UnsafeRawBufferPointer(start: bytes, count: size))
    }

    /// Pushes a compiled chunk (source or our own bytecode).
    func load(_ chunk: [UInt8], name: String) throws(LuaError) {
        let status = chunk.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { clua_load(state, $0.baseAddress, $0.count, name) }
        }
        guard status == 0 else {
            let message = popMessage()
            throw LuaError(code: .syntax, message: message, line: Self.line(in: message))
        }
    }

    /// Sets a global; the value is built before the budget is armed (its size is bounded by the event's).
    func setGlobal(_ name: String, to value: EventValue) {
        push(value)
        clua_set_global(state, name)
    }

    /// Calls the chunk on top of the stack under the budget, keeping every value it returns.
    func call() throws(LuaError) {
        if let limits {
            let (seconds, attoseconds) = limits.time.components
            clua_arm(state, limits.instructions, Double(seconds) + Double(attoseconds) / 1e18, limits.memoryBytes)
        }
        let status = lua_pcall(state, 0, LUA_MULTRET, 0)
        clua_disarm(state)
        guard status != 0 else { return }
        let message = popMessage()
        if budget.pointee.instructions_exceeded != 0 {
            throw LuaError(
                code: .instructionBudget,
                message: "script exceeded its instruction budget of \(limits?.instructions ?? 0) instructions")
        }
        if budget.pointee.time_exceeded != 0 {
            throw LuaError(code: .timeBudget, message: "script exceeded its time budget of \(limits?.time ?? .zero)")
        }
        if status == LUA_ERRMEM || budget.pointee.memory_exceeded != 0 {
            throw LuaError(
                code: .memoryCap, message: "script exceeded its memory cap of \(limits?.memoryBytes ?? 0) bytes")
        }
        throw LuaError(code: .runtime, message: message)
    }

    /// Whether the value on top of the stack (the last one returned) is the boolean `true`.
    var topIsTrue: Bool {
        lua_gettop(state) > 0 && lua_type(state, -1) == LUA_TBOOLEAN && lua_toboolean(state, -1) != 0
    }

    /// The table on top of the stack (the last value returned), as a value.
    func topTable() throws(LuaError) -> EventValue {
        guard lua_gettop(state) > 0, lua_type(state, -1) == LUA_TTABLE else {
            throw LuaError(code: .result, message: "transformation script didn't return a table")
        }
        return try value(at: lua_gettop(state), depth: 0)
    }

    private func push(_ value: EventValue) {
        // Lua guarantees 20 free stack slots; a nested array or map takes two more per level.
        guard lua_checkstack(state, 4) != 0 else {
            lua_pushnil(state)
            return
        }
        switch value {
        case .null: lua_pushnil(state)
        case .bool(let flag): lua_pushboolean(state, flag ? 1 : 0)
        case .int(let number): lua_pushnumber(state, Double(number))
        case .uint(let number): lua_pushnumber(state, Double(number))
        case .double(let number): lua_pushnumber(state, number)
        case .string(let text): pushString(text)
        case .timestamp(let time): pushString(time.rfc3339)
        case .binary(let bytes):
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
            }
        case .array(let elements):
            lua_createtable(state, Int32(clamping: elements.count), 0)
            for (position, element) in elements.enumerated() {
                push(element)
                lua_rawseti(state, -2, Int32(clamping: position + 1))
            }
            clua_mark_array(state, -1)
        case .map(let map):
            lua_createtable(state, 0, Int32(clamping: map.count))
            for (key, element) in map {
                pushString(key)
                push(element)
                lua_rawset(state, -3)
            }
        }
    }

    private func pushString(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
        }
    }

    /// The value at an absolute stack index (the memory limit is lifted, so reading cannot raise an error).
    private func value(at index: Int32, depth: Int) throws(LuaError) -> EventValue {
        switch lua_type(state, index) {
        case LUA_TNIL: return .null
        case LUA_TBOOLEAN: return .bool(lua_toboolean(state, index) != 0)
        case LUA_TNUMBER:
            let number = lua_tonumber(state, index)
            if number == number.rounded(), abs(number) < 9_007_199_254_740_992 { return .int(Int64(number)) }
            return .double(number)
        case LUA_TSTRING: return .string(string(at: index))
        case LUA_TTABLE:
            guard depth < Self.maximumDepth, lua_checkstack(state, 4) != 0 else {
                throw LuaError(
                    code: .result, message: "returned table nests deeper than \(Self.maximumDepth) levels")
            }
            return clua_is_array(state, index) != 0
                ? try array(at: index, depth: depth + 1) : try map(at: index, depth: depth + 1)
        default:
            let type = String(cString: lua_typename(state, lua_type(state, index)))
            throw LuaError(code: .result, message: "returned table holds a \(type), which has no JSON form")
        }
    }

    private func array(at index: Int32, depth: Int) throws(LuaError) -> EventValue {
        let count = lua_objlen(state, index)
        var elements: [EventValue] = []
        elements.reserveCapacity(count)
        for position in 0..<count {
            lua_rawgeti(state, index, Int32(clamping: position + 1))
            defer { lua_settop(state, -2) }
            elements.append(try value(at: lua_gettop(state), depth: depth))
        }
        return .array(elements)
    }

    private func map(at index: Int32, depth: Int) throws(LuaError) -> EventValue {
        var entries: [String: EventValue] = [:]
        lua_pushnil(state)
        while lua_next(state, index) != 0 {
            // The value is on top, the key below it; the key stays for `lua_next` once the value is popped.
            let valueIndex = lua_gettop(state)
            let key: String
            switch lua_type(state, valueIndex - 1) {
            case LUA_TSTRING: key = string(at: valueIndex - 1)
            case LUA_TNUMBER:
                let number = lua_tonumber(state, valueIndex - 1)
                key = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            default:
                lua_settop(state, -3)
                throw LuaError(code: .result, message: "returned table has a key that is neither a string nor a number")
            }
            let element: EventValue
            do {
                element = try value(at: valueIndex, depth: depth)
            } catch {
                lua_settop(state, -3)
                throw error
            }
            entries[key] = element
            lua_settop(state, -2)
        }
        return .map(EventMap(entries))
    }

    /// The string at an index, which must hold a string (numbers are converted by the caller, never in place).
    private func string(at index: Int32) -> String {
        var length = 0
        guard let bytes = lua_tolstring(state, index, &length) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    private func popMessage() -> String {
        defer { lua_settop(state, -2) }
        guard lua_type(state, -1) == LUA_TSTRING else {
            return "error object is a \(String(cString: lua_typename(state, lua_type(state, -1)))) value"
        }
        return string(at: -1)
    }

    /// The line in `[string "name"]:12: message`.
    private static func line(in message: String) -> Int? {
        let marker = Array("\"]:".utf8)
        let bytes = Array(message.utf8)
        guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }) else { return nil }
        let digits = bytes[(start + marker.count)...].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return Int(String(decoding: digits, as: UTF8.self))
    }
}
