import Foundation

/// The sensors found in a set of files, and every finding about them.
public struct SensorCatalog: Sendable {
    /// Sensors without errors, in file and document order.
    public var sensors: [Sensor]
    /// Every finding, sorted by file, line and column.
    public var findings: [Finding]
    /// The files read.
    public var files: [String]
    /// Routing matrices (`kind: RoutingMatrix` documents) without errors, in file and document order.
    public var routingMatrices: [RoutingMatrix] = []
    /// How many routing documents were read, valid or not.
    var routingDocumentCount = 0

    /// Whether no finding is an error.
    public var isValid: Bool { !findings.contains { $0.severity == .error } }
}

/// Reads Sensor YAML from files and directories.
///
/// Loading is the only place SensorKit touches the file system; everything after it works on values.
public enum SensorLoader {
    /// Loads every `*.yaml`/`*.yml` file under each path (directories recursively, files in name order);
    /// each file may hold several documents separated by `---`. Routing matrices (`kind: RoutingMatrix`) are
    /// decoded too, their template references checked against `argoTemplates` or, when `nil`, against the
    /// `deploy/argo` directory found near each routing file (``ArgoTemplateCatalog/discover(near:)``).
    /// - Parameters:
    ///   - paths: files or directories.
    ///   - argoTemplates: the Argo templates routes may name.
    /// - Returns: the sensors, routing matrices and findings; unreadable paths and YAML syntax errors are findings
    ///   too.
    public static func load(paths: [String], argoTemplates: ArgoTemplateCatalog? = nil) -> SensorCatalog {
        var catalog = SensorCatalog(sensors: [], findings: [], files: [])
        for path in paths {
            for file in files(at: path, findings: &catalog.findings) {
                catalog.files.append(file)
                let text: String
                do {
                    text = try String(contentsOfFile: file, encoding: .utf8)
                } catch {
                    catalog.findings.append(
                        SensorLoadError(
                            file: file, location: nil, message: "cannot read file: \(error.localizedDescription)"
                        ).finding)
                    continue
                }
                let result = load(text: text, file: file) { argoTemplates ?? ArgoTemplateCatalog.discover(near: file) }
                catalog.sensors += result.sensors
                catalog.routingMatrices += result.routingMatrices
                catalog.routingDocumentCount += result.routingDocumentCount
                catalog.findings += result.findings
            }
        }
        checkDuplicateSensors(&catalog)
        catalog.findings.sort {
            ($0.location.file, $0.location.line, $0.location.column) < (
                $1.location.file, $1.location.line, $1.location.column
            )
        }
        return catalog
    }

    /// Decodes the documents of one YAML text.
    /// - Parameters:
    ///   - text: the YAML.
    ///   - file: the name findings carry.
    ///   - argoTemplates: the Argo templates routing documents may name (`nil`: references are not checked).
    public static func load(text: String, file: String, argoTemplates: ArgoTemplateCatalog? = nil) -> SensorCatalog {
        load(text: text, file: file) { argoTemplates }
    }

    private static func load(text: String, file: String, argoTemplates: () -> ArgoTemplateCatalog?) -> SensorCatalog
    {
        var catalog = SensorCatalog(sensors: [], findings: [], files: [file])
        let documents: [YAMLTree]
        do {
            documents = try YAMLTree.documents(of: text, file: file)
        } catch {
            catalog.findings.append(error.finding)
            return catalog
        }
        var templates: ArgoTemplateCatalog??
        for document in documents {
            if document.isNull { continue }
            if document["kind"]?.scalarText == RoutingDecoder.kind {
                catalog.routingDocumentCount += 1
                if templates == nil { templates = .some(argoTemplates()) }
                var decoder = RoutingDecoder(argoTemplates: templates ?? nil)
                if let matrix = decoder.decode(document) { catalog.routingMatrices.append(matrix) }
                catalog.findings += decoder.findings
                continue
            }
            var decoder = SensorDecoder()
            if let sensor = decoder.decode(document) { catalog.sensors.append(sensor) }
            catalog.findings += decoder.diagnostics.findings
        }
        if documents.allSatisfy(\.isNull) {
            catalog.findings.append(
                Finding(.warning, at: SourceLocation(file: file, line: 1, column: 1), yamlPath: "", "no YAML documents")
            )
        }
        catalog.findings.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
        return catalog
    }

    private static func checkDuplicateSensors(_ catalog: inout SensorCatalog) {
        var seen: [String: Sensor] = [:]
        var unique: [Sensor] = []
        for sensor in catalog.sensors {
            let key = "\(sensor.namespace ?? "")/\(sensor.name)"
            if let first = seen[key] {
                catalog.findings.append(
                    Finding(
                        .error, at: sensor.location, yamlPath: "metadata.name",
                        "duplicate sensor name '\(sensor.name)' (first in \(first.location))"))
            } else {
                seen[key] = sensor
                unique.append(sensor)
            }
        }
        catalog.sensors = unique
    }

    private static func files(at path: String, findings: inout [Finding]) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            findings.append(SensorLoadError(file: path, location: nil, message: "no such file or directory").finding)
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            findings.append(SensorLoadError(file: path, location: nil, message: "cannot list directory").finding)
            return []
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
                files.append(path.hasSuffix("/") ? path + relative : path + "/" + relative)
            }
        }
        if files.isEmpty {
            findings.append(
                Finding(
                    .warning, at: SourceLocation(file: path, line: 1, column: 1), yamlPath: "", "no .yaml or .yml files"
                ))
        }
        return files.sorted()
    }
}
