public import ConfigReader
import EventModel
import Foundation
public import SensorModel
import Synchronization

/// Reads the files the gateway and the CLI take: Sensor and routing YAML (files or directories), the Argo templates
/// of `deploy/argo`, and event files. Everything after reading works on text, in SensorModel.
public enum SensorFiles {
    /// The name findings give to standard input, read for the path `-`.
    public static let standardInputName = "<stdin>"

    /// Loads every `*.yaml`/`*.yml` file under each path (directories recursively, files in name order), and
    /// standard input for the path `-` (its findings name it `<stdin>`); each file may hold several documents
    /// separated by `---`. Routing matrices (`kind: RoutingMatrix`) are decoded too, their
    /// template references checked against `argoTemplates` or, when `nil`, against the `deploy/argo` directory found
    /// near each routing file (``argoTemplates(near:)``).
    /// - Returns: the sensors, routing matrices and findings; unreadable paths and YAML syntax errors are findings too.
    public static func load(paths: [String], argoTemplates: ArgoTemplateCatalog? = nil) -> SensorCatalog {
        load(paths: paths, argoTemplates: argoTemplates, gatewayConfiguration: nil)
    }

    /// ``load(paths:argoTemplates:)``, checking `kind: GatewayConfiguration` documents with `gatewayConfiguration`
    /// (`sensor-gateway validate`); `nil` skips them.
    ///
    /// The files are read and decoded on every core (standard input first, on this thread), then merged in the order
    /// of the paths and of the files in each: the catalog is the same as one file after the other gives.
    package static func load(
        paths: [String], argoTemplates: ArgoTemplateCatalog?,
        gatewayConfiguration: SensorLoader.GatewayConfigurationCheck?
    ) -> SensorCatalog {
        var catalog = SensorCatalog()
        var listed: [String] = []
        for path in paths { listed += files(at: path, findings: &catalog.findings) }
        let files = listed
        let standardInput = Dictionary(
            uniqueKeysWithValues: files.indices.filter { files[$0] == standardInputName }.map { index in
                (index, Result<String, any Error> { try readStandardInput() })
            })
        let loaded = Mutex([SensorCatalog?](repeating: nil, count: files.count))
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let file = files[index]
            let text = standardInput[index] ?? Result { try String(contentsOfFile: file, encoding: .utf8) }
            let fileCatalog = load(
                text, file: file, argoTemplates: argoTemplates, gatewayConfiguration: gatewayConfiguration)
            loaded.withLock { $0[index] = fileCatalog }
        }
        for fileCatalog in loaded.withLock({ $0 }) {
            if let fileCatalog { catalog.merge(fileCatalog) }
        }
        catalog.finish()
        return catalog
    }

    /// The catalog of one file's text, or the finding that it cannot be read.
    private static func load(
        _ text: Result<String, any Error>, file: String, argoTemplates: ArgoTemplateCatalog?,
        gatewayConfiguration: SensorLoader.GatewayConfigurationCheck?
    ) -> SensorCatalog {
        switch text {
        case .success(let text):
            return SensorLoader.load(
                text: text, file: file, argoTemplates: { argoTemplates ?? Self.argoTemplates(near: file) },
                gatewayConfiguration: gatewayConfiguration)
        case .failure(let error):
            let findings = ConfigurationError(file: file, "cannot read file: \(error.localizedDescription)").findings
            var catalog = SensorCatalog(sensors: [], findings: findings, files: [file])
            catalog.rejected.append(RejectedSensor(file: file, name: nil, findings: findings))
            return catalog
        }
    }

    /// Loads the routing matrix of a file (the daemon's `routing:` setting, `sensor-gateway route --routing`).
    /// - Parameters:
    ///   - file: a YAML file holding one `kind: RoutingMatrix` document.
    ///   - argoTemplates: the templates routes may name; `nil`: the `deploy/argo` directory near the file, if any.
    /// - Returns: the matrix and the warnings about it.
    /// - Throws: ``RoutingLoadError`` with every error finding, or one saying how many matrices the file holds.
    public static func loadRouting(file: String, argoTemplates: ArgoTemplateCatalog? = nil) throws(RoutingLoadError)
        -> (matrix: RoutingMatrix, warnings: [Finding])
    {
        try RoutingMatrix.only(in: load(paths: [file], argoTemplates: argoTemplates), file: file)
    }

    /// Reads every `*.yaml`/`*.yml` file directly in `directory`; documents that are not templates, and files that
    /// do not parse, are passed over (`validate` checks them as Argo files, not here).
    /// - Returns: `nil` when the directory does not exist.
    public static func argoTemplates(directory: String) -> ArgoTemplateCatalog? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory)
        else { return nil }
        var templates: [ArgoTemplateCatalog.Template] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let file = (directory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            templates += ArgoTemplateCatalog.parse(text: text, file: file)
        }
        return ArgoTemplateCatalog(directory: directory, templates: templates)
    }

    /// The catalog of the `deploy/argo` directory of the repository a routing file sits in: `../deploy/argo`
    /// next to the file's directory (for `config/routing.yaml`), else `deploy/argo` beside the file.
    /// - Returns: `nil` when neither exists.
    public static func argoTemplates(near routingFile: String) -> ArgoTemplateCatalog? {
        let directory = (routingFile as NSString).deletingLastPathComponent
        let parent = (directory as NSString).deletingLastPathComponent
        for base in [parent, directory] {
            let candidate = base.isEmpty ? "deploy/argo" : (base as NSString).appendingPathComponent("deploy/argo")
            if let catalog = argoTemplates(directory: candidate) { return catalog }
        }
        return nil
    }

    /// Standard input, whole, as UTF-8 text.
    private static func readStandardInput() throws -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else {
            throw CocoaError(.fileReadInapplicableStringEncoding)
        }
        return text
    }

    private static func files(at path: String, findings: inout [Finding]) -> [String] {
        if path == "-" { return [standardInputName] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            findings += ConfigurationError(file: path, "no such file or directory").findings
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            findings += ConfigurationError(file: path, "cannot list directory").findings
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
