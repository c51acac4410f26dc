/// A routing file that cannot be used: it does not load, has errors, or does not hold exactly one routing matrix.
public struct RoutingLoadError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The errors, each `path:line:col: error: message`.
    public var findings: [Finding]

    /// One finding a line.
    public var description: String { findings.map(\.description).joined(separator: "\n") }
}

extension RoutingMatrix {
    /// Loads the routing matrix of a file (the daemon's `routing:` setting, `sensor-gateway route --routing`).
    /// - Parameters:
    ///   - file: a YAML file holding one `kind: RoutingMatrix` document.
    ///   - argoTemplates: the templates routes may name; `nil`: the `deploy/argo` directory near the file, if any.
    /// - Returns: the matrix and the warnings about it.
    /// - Throws: ``RoutingLoadError`` with every error finding, or one saying how many matrices the file holds.
    public static func load(file: String, argoTemplates: ArgoTemplateCatalog? = nil) throws(RoutingLoadError)
        -> (matrix: RoutingMatrix, warnings: [Finding])
    {
        let catalog = SensorLoader.load(paths: [file], argoTemplates: argoTemplates)
        let errors = catalog.findings.filter { $0.severity == .error }
        guard errors.isEmpty else { throw RoutingLoadError(file: file, findings: errors) }
        guard catalog.routingMatrices.count == 1, let matrix = catalog.routingMatrices.first else {
            let finding = Finding(
                .error, at: SourceLocation(file: file, line: 1, column: 1), yamlPath: "kind",
                "expected one document of kind \(RoutingDecoder.kind), found \(catalog.routingMatrices.count)")
            throw RoutingLoadError(file: file, findings: [finding])
        }
        return (matrix, catalog.findings)
    }
}
