import ArgumentParser
import SensorKit

/// `sensor-gateway validate <file-or-dir>...`: prints each finding as `path:line:col: error|warning: message`;
/// exits 0 when no finding is an error, 1 otherwise.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check Sensor YAML files; exit 0 when valid, 1 when not.")

    @Argument(help: "Sensor YAML files or directories (multi-document files allowed).")
    var paths: [String]

    @Flag(name: .long, help: "Print errors only, not warnings.")
    var quiet = false

    func run() throws {
        let catalog = SensorLoader.load(paths: paths)
        let report = ValidationReport(catalog: catalog)
        print(report.render(includeWarnings: !quiet), terminator: "")
        if !catalog.isValid { throw ExitCode(1) }
    }
}
