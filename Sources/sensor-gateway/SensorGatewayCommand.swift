import ArgumentParser
import BuildStamp
import Gateway

/// `sensor-gateway`: the command line. Each subcommand parses its arguments and calls into the modules.
@main
struct SensorGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensor-gateway",
        abstract: "Argo Events sensors on NATS JetStream, triggering Argo Workflows and Kubeflow Pipelines.",
        version: "\(BuildInfo.version) (\(BuildInfo.revision))",
        subcommands: [
            RunCommand.self, ValidateCommand.self, ExplainCommand.self, RouteCommand.self, PublishCommand.self,
            ProvisionCommand.self, DLQCommand.self, CompletionCommand.self,
        ])

    /// Unblocks the daemon's signals on the main thread, then parses and runs the command.
    static func main() async {
        ProcessSignals.unblockDaemonSignals()
        await main(nil)
    }
}
