import ArgumentParser
import ConfigReader
import Gateway
import LocalFiles
import SensorEngine
import SensorModel

/// `sensor-gateway validate <file-or-dir|->...`: prints each finding as `path:line:col: error|warning: message`, or
/// one JSON document under `--format json` (``ValidationReport/json(includeWarnings:)``); `-` reads standard input;
/// exits 0 when no finding is an error, 1 otherwise. Routing matrices (`kind: RoutingMatrix`) are checked too, their
/// template references against `--argo-templates` or the `deploy/argo` directory near each routing file, and the
/// gateway's own configuration (`kind: GatewayConfiguration`, without the environment), with each trigger of the
/// sensors it names checked for an endpoint or an outbox.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check Sensor, routing and gateway configuration YAML files; exit 0 when valid, 1 when not.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(
        help:
            "Sensor, routing or GatewayConfiguration YAML files or directories (multi-document files allowed); - reads standard input."
    )
    var paths: [String]

    @Option(name: .long, help: "text (path:line:col: error: message lines) or json (one document).")
    var format: Format = .text

    @Option(
        name: .long,
        help: "Directory of the Argo templates routes may name (default: deploy/argo near each routing file).")
    var argoTemplates: String?

    @Flag(name: .long, help: "Print errors only, not warnings.")
    var quiet = false

    func run() throws {
        let templates = try loadArgoTemplates(argoTemplates)
        let catalog = SensorFiles.load(paths: paths, argoTemplates: templates) { document in
            var diagnostics = Diagnostics()
            let configuration = GatewayConfiguration.decode(document, diagnostics: &diagnostics)
            guard !diagnostics.findings.contains(where: { $0.severity == .error }) else { return diagnostics.findings }
            return diagnostics.findings + configuration.unreachableTriggerFindings()
        }
        let report = ValidationReport(catalog: catalog)
        switch format {
        case .text: print(report.render(includeWarnings: !quiet), terminator: "")
        case .json: print(report.json(includeWarnings: !quiet))
        }
        if !catalog.isValid { throw ExitCode(1) }
    }
}
