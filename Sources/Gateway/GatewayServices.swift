import Foundation
public import Logging
public import ServiceLifecycle
import UnixSignals

/// Builds the daemon: the admin server, the pipeline and the reloader as one ordered service group that shuts
/// down gracefully on SIGTERM and SIGINT (in reverse order: reloads stop, consumers drain, the admin server last).
public enum GatewayServices {
    /// The service group of `sensor-gateway run`.
    /// - Parameters:
    ///   - configurationPath: the config file (re-read on reload).
    ///   - configuration: its contents.
    ///   - sensors: the sensors it names, already validated.
    ///   - dispatcher: executes fired triggers (the `Triggers` module's `TriggerExecutor`).
    ///   - logger: the root logger.
    /// - Returns: the group, and the state the admin endpoints report.
    public static func makeServiceGroup(
        configurationPath: String, configuration: GatewayConfiguration, sensors: SensorSet,
        dispatcher: any TriggerDispatching, logger: Logger
    ) -> ServiceGroup {
        let metrics = GatewayMetrics()
        let state = GatewayState()
        let engine = GatewayEngine(
            configuration: configuration, sensors: sensors,
            dispatcher: dispatcher,
            metrics: metrics, state: state, logger: logger)
        let admin = AdminServer.application(
            host: configuration.adminHost, port: configuration.adminPort, state: state, metrics: metrics, logger: logger)
        let reload = ReloadService(
            configurationPath: configurationPath, running: configuration, engine: engine, metrics: metrics,
            state: state, logger: logger)
        var group = ServiceGroupConfiguration(
            services: [
                .init(service: admin, serviceName: "admin"),
                .init(
                    service: engine, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "pipeline"),
                .init(service: reload, serviceName: "reload"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.processing.drainTimeout + .seconds(15)
        return ServiceGroup(configuration: group)
    }
}
