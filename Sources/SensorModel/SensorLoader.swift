public import ConfigReader
import SensorLanguage

/// A document the loader rejected (an invalid Sensor or routing document, or a file that cannot be read or parsed):
/// the valid documents beside it still load.
public struct RejectedSensor: Sendable {
    /// The file it came from.
    public var file: String
    /// Its `metadata.name`, when it can be read (`nil` for a file-level error such as a YAML syntax error).
    public var name: String?
    /// Its `metadata.namespace`, when set.
    public var namespace: String?
    /// Its error findings.
    public var findings: [Finding]

    /// Creates a rejected entry.
    public init(file: String, name: String?, namespace: String? = nil, findings: [Finding]) {
        self.file = file
        self.name = name
        self.namespace = namespace
        self.findings = findings
    }
}

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
    /// The documents rejected for their errors, in file and document order.
    public var rejected: [RejectedSensor] = []

    /// Whether no finding is an error.
    public var isValid: Bool { !findings.contains { $0.severity == .error } }

    /// An empty catalog.
    public init() {
        self.init(sensors: [], findings: [], files: [])
    }

    package init(sensors: [Sensor], findings: [Finding], files: [String]) {
        self.sensors = sensors
        self.findings = findings
        self.files = files
    }

    /// Adds what another text or file held.
    public mutating func merge(_ other: SensorCatalog) {
        sensors += other.sensors
        findings += other.findings
        files += other.files
        routingMatrices += other.routingMatrices
        routingDocumentCount += other.routingDocumentCount
        rejected += other.rejected
    }

    /// Reports sensors named twice (the first one stays) and sorts the findings by file, line and column: the last
    /// step once every file is merged.
    public mutating func finish() {
        var seen: [String: Sensor] = [:]
        var unique: [Sensor] = []
        for sensor in sensors {
            let key = "\(sensor.namespace ?? "")/\(sensor.name)"
            if let first = seen[key] {
                let finding = Finding(
                    .error, at: sensor.location, yamlPath: "metadata.name",
                    "duplicate sensor name '\(sensor.name)' (first in \(first.location))")
                findings.append(finding)
                rejected.append(
                    RejectedSensor(
                        file: sensor.location.file, name: sensor.name, namespace: sensor.namespace,
                        findings: [finding]))
            } else {
                seen[key] = sensor
                unique.append(sensor)
            }
        }
        sensors = unique
        findings.sort {
            ($0.location.file, $0.location.line, $0.location.column) < (
                $1.location.file, $1.location.line, $1.location.column
            )
        }
    }
}

/// Decodes Sensor and routing YAML from text; reading files is the caller's (the gateway's file loader).
public enum SensorLoader {
    /// The `kind` of the gateway's own configuration (`config/gateway.yaml`): such documents sit beside sensors;
    /// the gateway decodes them, and a loader given a ``GatewayConfigurationCheck`` checks them, else skips them.
    public static let gatewayConfigurationKind = "GatewayConfiguration"

    /// Checks one `kind: GatewayConfiguration` document (the gateway's decoder), returning its findings.
    package typealias GatewayConfigurationCheck = @Sendable (YAMLTree) -> [Finding]

    /// Decodes the documents of one YAML text.
    /// - Parameters:
    ///   - text: the YAML.
    ///   - file: the name findings carry.
    ///   - argoTemplates: the Argo templates routing documents may name (`nil`: references are not checked).
    public static func load(text: String, file: String, argoTemplates: ArgoTemplateCatalog? = nil) -> SensorCatalog {
        load(text: text, file: file) { argoTemplates }
    }

    /// Decodes the documents of one YAML text, asking for the Argo templates only when a routing document needs them.
    /// - Parameters:
    ///   - text: the YAML.
    ///   - file: the name findings carry.
    ///   - argoTemplates: called at most once, at the first routing document.
    public static func load(text: String, file: String, argoTemplates: () -> ArgoTemplateCatalog?) -> SensorCatalog {
        load(text: text, file: file, argoTemplates: argoTemplates, gatewayConfiguration: nil)
    }

    /// Decodes the documents of one YAML text, checking `kind: GatewayConfiguration` documents with
    /// `gatewayConfiguration` (`nil`: skipped).
    package static func load(
        text: String, file: String, argoTemplates: () -> ArgoTemplateCatalog?,
        gatewayConfiguration: GatewayConfigurationCheck?
    ) -> SensorCatalog {
        var catalog = SensorCatalog(sensors: [], findings: [], files: [file])
        let documents: [YAMLTree]
        do {
            documents = try YAMLTree.documents(of: text, file: file)
        } catch {
            catalog.findings += error.findings
            catalog.rejected.append(RejectedSensor(file: file, name: nil, findings: error.findings))
            return catalog
        }
        var templates: ArgoTemplateCatalog??
        for document in documents {
            if document.isNull { continue }
            if document["kind"]?.scalarText == gatewayConfigurationKind {
                if let gatewayConfiguration { catalog.findings += gatewayConfiguration(document) }
                continue
            }
            if document["kind"]?.scalarText == RoutingDecoder.kind {
                catalog.routingDocumentCount += 1
                if templates == nil { templates = .some(argoTemplates()) }
                var decoder = RoutingDecoder(argoTemplates: templates ?? nil)
                if let matrix = decoder.decode(document) {
                    catalog.routingMatrices.append(matrix)
                } else {
                    catalog.reject(document, file: file, findings: decoder.findings)
                }
                catalog.findings += decoder.findings
                continue
            }
            var decoder = SensorDecoder()
            if let sensor = decoder.decode(document) {
                catalog.sensors.append(sensor)
            } else {
                catalog.reject(document, file: file, findings: decoder.diagnostics.findings)
            }
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
}

extension SensorCatalog {
    /// Records `document` as rejected when `findings` hold an error (a skipped document of another kind only warns).
    fileprivate mutating func reject(_ document: YAMLTree, file: String, findings: [Finding]) {
        let errors = findings.filter { $0.severity == .error }
        guard !errors.isEmpty else { return }
        let metadata = document["metadata"]
        rejected.append(
            RejectedSensor(
                file: file, name: metadata?["name"]?.scalarText, namespace: metadata?["namespace"]?.scalarText,
                findings: errors))
    }
}
