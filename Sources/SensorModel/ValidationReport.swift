import ConfigReader
import EventModel
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

    /// The JSON form (`validate --format json`), one entry per file read or named, in the order they were read:
    /// `{"valid":…,"sensors":N,"errors":N,"warnings":N,"files":[{"file":…,"valid":…,"findings":[{"severity":…,
    /// "file":…,"line":…,"column":…,"field":…,"message":…}]}]}`. `line` and `column` are 0 where a finding has no
    /// place in the file (an unreadable file); `field` is the YAML path, empty for the document as a whole.
    /// - Parameter includeWarnings: whether warnings are listed (they are counted either way).
    public func json(includeWarnings: Bool) -> String {
        var files = catalog.files
        for finding in catalog.findings where !files.contains(finding.location.file) {
            files.append(finding.location.file)
        }
        let entries = files.map { file -> EventValue in
            let findings = catalog.findings.filter { $0.location.file == file }
            let listed = findings.filter { includeWarnings || $0.severity == .error }
            return .map([
                "file": .string(file),
                "valid": .bool(!findings.contains { $0.severity == .error }),
                "findings": .array(
                    listed.map { finding in
                        .map([
                            "severity": .string(finding.severity.rawValue),
                            "file": .string(finding.location.file),
                            "line": .int(Int64(finding.location.line)),
                            "column": .int(Int64(finding.location.column)),
                            "field": .string(finding.yamlPath),
                            "message": .string(finding.message),
                        ])
                    }),
            ])
        }
        let errors = catalog.findings.filter { $0.severity == .error }.count
        let document = EventValue.map([
            "valid": .bool(catalog.isValid),
            "sensors": .int(Int64(catalog.sensors.count)),
            "errors": .int(Int64(errors)),
            "warnings": .int(Int64(catalog.findings.count - errors)),
            "files": .array(entries),
        ])
        return JSONText.render(document, sortedKeys: true)
    }
}
