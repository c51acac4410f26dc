import ArgumentParser

/// `sensor-gateway`: the command line. Each subcommand parses its arguments and calls into the modules.
@main
struct SensorGatewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensor-gateway",
        abstract: "Argo Events sensors on NATS JetStream, triggering Argo Workflows and Kubeflow Pipelines.",
        subcommands: [ValidateCommand.self, ExplainCommand.self, RouteCommand.self])
}
