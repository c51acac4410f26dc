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

/// A file that could not be read or parsed as YAML at all.
public struct SensorLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file concerned.
    public var file: String
    /// Where parsing stopped, when known.
    public var location: SourceLocation?
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(file: String, location: SourceLocation?, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    /// The error as a finding (at `file:1:1` when no location is known).
    public var finding: Finding {
        Finding(.error, at: location ?? SourceLocation(file: file, line: 1, column: 1), yamlPath: "", message)
    }

    /// `path:line:col: error: message`.
    public var description: String { finding.description }
}
