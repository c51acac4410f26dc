public import ConfigReader
import SensorLanguage

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
    /// The routing matrix of a file's loaded documents (the daemon's `routing:` setting, `sensor-gateway route`).
    /// - Parameters:
    ///   - catalog: what the file held.
    ///   - file: its name.
    /// - Returns: the matrix and the warnings about it.
    /// - Throws: ``RoutingLoadError`` with every error finding, or one saying how many matrices the file holds.
    public static func only(in catalog: SensorCatalog, file: String) throws(RoutingLoadError)
        -> (matrix: RoutingMatrix, warnings: [Finding])
    {
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
