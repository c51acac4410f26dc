/// Collects findings while a document is decoded and validated, with the YAML path of the node at hand.
package struct Diagnostics {
    package private(set) var findings: [Finding] = []

    package init() {}

    package var hasErrors: Bool { findings.contains { $0.severity == .error } }

    package mutating func error(_ message: String, at node: YAMLTree, path: String) {
        findings.append(Finding(.error, at: node.location, yamlPath: path, message))
    }

    package mutating func error(_ message: String, at location: SourceLocation, path: String) {
        findings.append(Finding(.error, at: location, yamlPath: path, message))
    }

    /// Throws every error finding, when there is one.
    package func throwIfErrors() throws(ConfigurationError) {
        let errors = findings.filter { $0.severity == .error }
        if !errors.isEmpty { throw ConfigurationError(errors) }
    }

    package mutating func warning(_ message: String, at location: SourceLocation, path: String) {
        findings.append(Finding(.warning, at: location, yamlPath: path, message))
    }
}
