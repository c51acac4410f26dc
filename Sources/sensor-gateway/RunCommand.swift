public import ArgumentParser
import Foundation
import Gateway
import Logging
import SensorKit
import ServiceLifecycle

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
        let group: ServiceGroup
        do {
            configuration = try GatewayConfiguration.load(path: config)
            sensors = try SensorSet.load(path: configuration.sensors, subjectPrefix: configuration.nats.subjectPrefix)
            let routing = try Self.routing(configuration, sensors: sensors)
            group = try GatewayServices.makeServiceGroup(
                configurationPath: config, configuration: configuration, sensors: sensors, routing: routing,
                logger: logger)
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
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info("stopped")
    }

    /// The routing matrix `route` triggers need: the `routing` file, loaded when it exists. A sensor with a `route`
    /// trigger and no such file is an error, not a trigger that fails on every event.
    static func routing(_ configuration: GatewayConfiguration, sensors: SensorSet) throws -> RoutingMatrix? {
        guard FileManager.default.fileExists(atPath: configuration.routing) else {
            let routed = sensors.sensors.flatMap { sensor in
                sensor.triggers.compactMap { trigger -> String? in
                    if case .route = trigger.kind { return "\(sensor.name)/\(trigger.name)" }
                    return nil
                }
            }
            guard routed.isEmpty else {
                throw RoutingFileMissing(path: configuration.routing, triggers: routed)
            }
            return nil
        }
        return try RoutingMatrix.load(file: configuration.routing).matrix
    }

    /// `route` triggers without the routing file.
    struct RoutingFileMissing: Error, CustomStringConvertible {
        let path: String
        let triggers: [String]
        var description: String {
            "\(path): the routing matrix is missing, and route triggers need it: \(triggers.joined(separator: ", "))"
        }
    }
}
