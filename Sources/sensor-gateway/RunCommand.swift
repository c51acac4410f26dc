public import ArgumentParser
import Gateway
import Logging
import SensorEngine
import SensorModel
import ServiceLifecycle

extension LogFormat: ExpressibleByArgument {}

/// `sensor-gateway run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the gateway: NATS events → sensors → triggers, with the admin endpoints.")

    @Option(name: .long, help: "The gateway configuration.")
    var config = "config/gateway.yaml"

    @OptionGroup(title: "NATS connection (over gateway.yaml's nats section)")
    var nats: NATSOptions

    @Option(name: .long, help: "json or text.")
    var logFormat: LogFormat = .text

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(
        name: .long,
        help: "Refuse to start, and reject a reload whole, when any sensor is invalid (default: skip and report it).")
    var strict = false

    @Flag(
        name: .long,
        help: "Send nothing: write every trigger's request to the outbox (`outbox`, else .sensor-gateway/outbox).")
    var dryRun = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let format = logFormat
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in GatewayLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "sensor-gateway")
        let configuration: GatewayConfiguration
        let sensors: SensorSet
        let group: ServiceGroup
        do {
            let natsOverrides = try nats.overrides()
            configuration = try GatewayConfiguration.load(path: config, overriding: natsOverrides)
            let kubernetes = try configuration.kubernetesConnection()
            sensors = try SensorSet.load(
                path: configuration.sensors, subjectPrefix: configuration.nats.subjectPrefix, strict: strict)
            let routing = try configuration.loadRouting(for: sensors)
            try sensors.requireReachable(
                TriggerEndpoints(configuration, kubernetes: kubernetes != nil, dryRun: dryRun), routing: routing)
            group = try GatewayServices.makeServiceGroup(
                configurationPath: config, natsOverrides: natsOverrides, configuration: configuration, sensors: sensors,
                routing: routing,
                strict: strict, kubernetes: kubernetes, dryRun: dryRun, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            printErrorToStandardError(error)
            throw ExitCode(1)
        }
        sensors.logRejected(to: logger)
        logger.info(
            "starting",
            metadata: [
                "configuration": "\(configuration)", "sensors": "\(sensors.sensors.map(\.name).joined(separator: ","))",
            ])
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info("stopped")
    }
}
