public import ArgumentParser
import Foundation
import Gateway
import Logging
import SensorKit
import ServiceLifecycle
import Triggers

extension LogFormat: ExpressibleByArgument {}

/// `sensor-gateway run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the gateway: NATS events → sensors → triggers, with the admin endpoints.")

    @Option(name: .long, help: "The gateway configuration.")
    var config = "config/gateway.yaml"

    @Option(name: .long, help: "json or text.")
    var logFormat: LogFormat = .text

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let format = logFormat
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in GatewayLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "sensor-gateway")
        let configuration: GatewayConfiguration
        let sensors: SensorSet
        let executor: TriggerExecutor
        do {
            configuration = try GatewayConfiguration.load(path: config)
            sensors = try SensorSet.load(path: configuration.sensors, subjectPrefix: configuration.nats.subjectPrefix)
            let routing =
                FileManager.default.fileExists(atPath: configuration.routing)
                ? try RoutingMatrix.load(file: configuration.routing).matrix : nil
            let triggerLogger = Logger(label: "sensor-gateway.log-trigger")
            executor = try TriggerExecutor(
                configuration: configuration.triggerConfiguration(routing: routing) { triggerLogger.info("\($0)") })
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
        logger.info(
            "starting",
            metadata: [
                "configuration": "\(configuration)", "sensors": "\(sensors.sensors.map(\.name).joined(separator: ","))",
            ])
        let group = GatewayServices.makeServiceGroup(
            configurationPath: config, configuration: configuration, sensors: sensors, dispatcher: executor,
            logger: logger)
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            await executor.shutdown()
            throw ExitCode(1)
        }
        await executor.shutdown()
        logger.info("stopped")
    }
}
