/// One validation result, printed as `path:line:col: error|warning: message`.
public struct Finding: Sendable, Hashable, CustomStringConvertible {
    /// How serious a finding is: an error makes the sensor unusable, a warning does not.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// Where the offending node starts.
    public var location: SourceLocation
    /// The YAML path of the offending node, e.g. `spec.triggers[0].template.conditions`.
    public var yamlPath: String
    /// What is wrong, for a person.
    public var message: String

    /// Creates a finding.
    public init(_ severity: Severity, at location: SourceLocation, yamlPath: String, _ message: String) {
        self.severity = severity
        self.location = location
        self.yamlPath = yamlPath
        self.message = message
    }

    /// `path:line:col: error: message`.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}
