import Foundation

/// A JetStream spec file that cannot be used; names the file and the field.
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public let file: String
    /// The field, as a path (`config.ack_wait`, `subjects[1]`), or empty for the whole file.
    public let field: String
    /// What is wrong.
    public let reason: String

    /// Creates an error.
    public init(file: String, field: String, reason: String) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "\(file): \(reason)" : "\(file): \(field): \(reason)"
    }
}

/// A parsed JSON value; numbers keep whether they were written as integers.
enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

/// Reads the fields of one JSON object of a spec file, and reports any field it was never asked for.
struct SpecFields {
    let file: String
    let path: String
    private let object: [String: JSONValue]
    private var used: Set<String> = []

    init(file: String, path: String, value: JSONValue) throws(SpecError) {
        guard case .object(let object) = value else {
            throw SpecError(file: file, field: path, reason: "expected a JSON object")
        }
        self.file = file
        self.path = path
        self.object = object
    }

    /// Parses the file's top-level object.
    static func load(_ url: URL) throws(SpecError) -> SpecFields {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpecError(file: url.path, field: "", reason: "cannot read: \(error.localizedDescription)")
        }
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw SpecError(file: url.path, field: "", reason: "not valid JSON: \(error)")
        }
        return try SpecFields(file: url.path, path: "", value: value)
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ reason: String) -> SpecError {
        SpecError(file: file, field: fieldPath(key), reason: reason)
    }

    private mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        if case .null = object[key] { return nil }
        return object[key]
    }

    mutating func string(_ key: String) throws(SpecError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw error(key, "expected a string") }
        return text
    }

    mutating func requiredString(_ key: String) throws(SpecError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw error(key, "required, a non-empty string") }
        return text
    }

    mutating func strings(_ key: String) throws(SpecError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw error(key, "expected an array of strings") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, !text.isEmpty else {
                throw error("\(key)[\(index)]", "expected a non-empty string")
            }
            result.append(text)
        }
        return result
    }

    mutating func integer(_ key: String, minimum: Int64 = -1) throws(SpecError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case .integer(let number) = value else { throw error(key, "expected an integer") }
        guard number >= minimum else { throw error(key, "must be at least \(minimum), got \(number)") }
        return number
    }

    mutating func bool(_ key: String) throws(SpecError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw error(key, "expected true or false") }
        return flag
    }

    /// A duration: nanoseconds as an integer (the server's JSON), or a Go duration string such as `"30s"`, `"1m30s"`.
    mutating func duration(_ key: String) throws(SpecError) -> Duration? {
        guard let value = value(key) else { return nil }
        return try Self.duration(value, field: key, in: self)
    }

    mutating func durations(_ key: String) throws(SpecError) -> [Duration]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw error(key, "expected an array of durations") }
        var result: [Duration] = []
        for (index, item) in items.enumerated() { result.append(try Self.duration(item, field: "\(key)[\(index)]", in: self)) }
        return result
    }

    /// One of `choices` (the server's lowercase names).
    mutating func choice<Value>(_ key: String, _ choices: KeyValuePairs<String, Value>) throws(SpecError) -> Value? {
        guard let text = try string(key) else { return nil }
        guard let match = choices.first(where: { $0.key == text }) else {
            throw error(key, "expected one of \(choices.map { "\"\($0.key)\"" }.joined(separator: ", ")), got \"\(text)\"")
        }
        return match.value
    }

    mutating func object(_ key: String) throws(SpecError) -> SpecFields? {
        guard let value = value(key) else { return nil }
        return try SpecFields(file: file, path: fieldPath(key), value: value)
    }

    /// Fails on the first field no reader asked for: a typo or a setting this module does not apply.
    func rejectUnknownFields() throws(SpecError) {
        if let unknown = object.keys.sorted().first(where: { !used.contains($0) }) {
            throw error(unknown, "unknown or unsupported field")
        }
    }

    private static func duration(_ value: JSONValue, field: String, in fields: SpecFields) throws(SpecError) -> Duration {
        switch value {
        case .integer(let nanoseconds) where nanoseconds >= 0:
            return .nanoseconds(nanoseconds)
        case .string(let text):
            guard let duration = parseGoDuration(text) else {
                throw fields.error(field, "expected a duration such as \"30s\", \"1m30s\", \"500ms\", got \"\(text)\"")
            }
            return duration
        default:
            throw fields.error(field, "expected a duration: nanoseconds (integer) or a string such as \"30s\"")
        }
    }

    /// Parses Go's `time.Duration` syntax without a sign: `0`, `300ms`, `1h2m3.5s`; units ns, us, µs, ms, s, m, h.
    static func parseGoDuration(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total = Duration.zero
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let amount = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            total += .nanoseconds(Int64(amount * scale))
        }
        return total
    }
}
