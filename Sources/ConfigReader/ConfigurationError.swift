/// A configuration file (Sensor, routing, `gateway.yaml`, `specs/jetstream`) or environment variable that cannot be
/// used: every error found, each located, printed as `path:line:col: error: message`. Never contains a secret.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errors, in file order; at least one.
    public var findings: [Finding]

    /// An error made of `findings`.
    public init(_ findings: [Finding]) {
        self.findings = findings
    }

    /// One error at `location`.
    public init(at location: SourceLocation, _ message: String) {
        self.init([Finding(.error, at: location, yamlPath: "", message)])
    }

    /// One error about a whole file (located at its first line).
    public init(file: String, _ message: String) {
        self.init(at: SourceLocation(file: file, line: 1, column: 1), message)
    }

    /// The messages without their locations, for an error that is reported at another place.
    public var message: String { findings.map(\.message).joined(separator: "; ") }

    /// One `path:line:col: error: message` line per finding.
    public var description: String { findings.map(\.description).joined(separator: "\n") }
}
