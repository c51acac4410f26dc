import ArgumentParser
import Gateway
import JetStream

/// `sensor-gateway provision`: streams, buckets and consumers from `specs/jetstream`, plus one consumer per sensor
/// dependency subject.
struct ProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision", abstract: "Create or update the streams, KV buckets and consumers the gateway uses.")

    @Option(name: .long, help: "The gateway configuration.")
    var config = "config/gateway.yaml"

    @OptionGroup(title: "NATS connection (over gateway.yaml's nats section)")
    var nats: NATSOptions

    func run() async throws {
        do {
            let configuration = try GatewayConfiguration.load(path: config, overriding: nats.overrides())
            let sensors = try SensorSet.load(
                path: configuration.sensors, subjectPrefix: configuration.nats.subjectPrefix, strict: true)
            let connection = try await NATSConnection.connect(configuration.connectionOptions)
            let results = try await GatewayProvisioning.provision(
                connection: connection, configuration: configuration, sensors: sensors)
            for result in results { print(result) }
            await connection.close()
        } catch {
            printErrorToStandardError(error)
            throw ExitCode(1)
        }
    }
}
