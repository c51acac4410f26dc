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

    /// Throws every error finding, in file order, when there is one.
    package func throwIfErrors() throws(ConfigurationError) {
        let errors = findings.enumerated().filter { $0.element.severity == .error }.sorted {
            let (a, b) = ($0.element.location, $1.element.location)
            return (a.file, a.line, a.column, $0.offset) < (b.file, b.line, b.column, $1.offset)
        }
        if !errors.isEmpty { throw ConfigurationError(errors.map(\.element)) }
    }

    package mutating func warning(_ message: String, at location: SourceLocation, path: String) {
        findings.append(Finding(.warning, at: location, yamlPath: path, message))
    }
}
