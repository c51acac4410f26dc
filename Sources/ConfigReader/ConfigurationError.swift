/// A configuration file that cannot be used, with the file, the key and what is wrong. Never contains a secret.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The dotted key (`nats.urls`), or empty for the whole file.
    public var key: String
    /// 1-based line of the key, when known.
    public var line: Int?
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(file: String, key: String, line: Int? = nil, reason: String) {
        self.file = file
        self.key = key
        self.line = line
        self.reason = reason
    }

    /// `file:line: key: reason`.
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(reason)" : "\(place): \(key): \(reason)"
    }
}
