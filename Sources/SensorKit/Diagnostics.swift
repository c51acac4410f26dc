/// Collects findings while a document is decoded and validated, with the YAML path of the node at hand.
struct Diagnostics {
    private(set) var findings: [Finding] = []

    var hasErrors: Bool { findings.contains { $0.severity == .error } }

    mutating func error(_ message: String, at node: YAMLTree, path: String) {
        findings.append(Finding(.error, at: node.location, yamlPath: path, message))
    }

    mutating func error(_ message: String, at location: SourceLocation, path: String) {
        findings.append(Finding(.error, at: location, yamlPath: path, message))
    }

    mutating func warning(_ message: String, at location: SourceLocation, path: String) {
        findings.append(Finding(.warning, at: location, yamlPath: path, message))
    }
}
