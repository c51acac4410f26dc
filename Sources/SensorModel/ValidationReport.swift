import ConfigReader
import SensorLanguage

/// What `sensor-gateway validate` prints.
public struct ValidationReport: Sendable {
    /// The catalog reported on.
    public let catalog: SensorCatalog

    /// Creates a report.
    public init(catalog: SensorCatalog) {
        self.catalog = catalog
    }

    /// One line per finding (`path:line:col: error|warning: message`), then a summary line.
    /// - Parameter includeWarnings: whether warnings are printed.
    public func render(includeWarnings: Bool) -> String {
        var out = ""
        for finding in catalog.findings where includeWarnings || finding.severity == .error {
            out += finding.description + "\n"
        }
        let errors = catalog.findings.filter { $0.severity == .error }.count
        let warnings = catalog.findings.count - errors
        let files = catalog.files.count
        out += "\(catalog.sensors.count) valid sensor\(catalog.sensors.count == 1 ? "" : "s")"
        let matrices = catalog.routingMatrices.count
        if catalog.routingDocumentCount > 0 {
            out += ", \(matrices) valid routing matri\(matrices == 1 ? "x" : "ces")"
        }
        out += " in \(files) file\(files == 1 ? "" : "s"); "
        out += "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n"
        return out
    }
}
