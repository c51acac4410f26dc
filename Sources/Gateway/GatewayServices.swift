import EventSources
import Foundation
import HTTPTransport
import JetStream
public import Kubernetes
public import Logging
import SensorEngine
public import SensorModel
public import ServiceLifecycle
import Triggers
import UnixSignals

/// Builds the daemon: the admin server, the pipeline, the consumers' lag reader, the Kubernetes Sensors and the reloader
/// as one ordered service group that shuts down gracefully on SIGTERM and SIGINT (in reverse order: reloads stop,
/// consumers drain, the admin server last).
public enum GatewayServices {
    /// How often the consumers' lag is read from the server: as often as Prometheus usually scrapes.
    static let consumerLagInterval = Duration.seconds(10)

    /// The service group of `sensor-gateway run`; fired triggers are executed by the `Triggers` module's
    /// `TriggerExecutor`, whose `nats` triggers publish over the gateway's own JetStream connection and whose firings
    /// without an idempotency key are claimed in its key-value bucket `sensor-gateway-firings`.
    /// - Parameters:
    ///   - configurationPath: the config file (re-read on reload).
    ///   - natsOverrides: the command line's NATS options, applied again on reload.
    ///   - configuration: its contents.
    ///   - sensors: the sensors it names, already validated.
    ///   - routing: the routing matrix of `route` triggers, if any.
    ///   - strict: reject a reload whole when any sensor is invalid.
    ///   - kubernetes: the Kubernetes API connection (``GatewayConfiguration/kubernetesConnection()``), if any.
    ///   - dryRun: send nothing; every trigger's request goes to the outbox.
    ///   - logger: the root logger.
    /// - Throws: ``HTTPTransportError`` when libcurl cannot be initialised; ``KubernetesError`` when the Kubernetes
    ///   client cannot be made from the connection; ``ConfigurationError`` when `sensors.kubernetes` is set without a
    ///   Kubernetes connection; the OpenTelemetry exporter's error when tracing is on and it cannot be made.
    public static func makeServiceGroup(
        configurationPath: String, natsOverrides: NATSOverrides = NATSOverrides(), configuration: GatewayConfiguration,
        sensors: SensorSet, routing: RoutingMatrix?, strict: Bool = false, kubernetes: KubernetesConnection? = nil,
        dryRun: Bool = false, logger: Logger
    ) throws -> ServiceGroup {
        try configuration.requireKubernetesForSensors(kubernetes)
        let metrics = GatewayMetrics()
        metrics.setSensorsRejected(sensors.rejected.count)
        let state = GatewayState(readiness: configuration.readiness)
        let logTrigger = Logger(label: "sensor-gateway.log-trigger")
        let kubernetesClient = try kubernetes.map { connection throws(KubernetesError) in
            try KubernetesClient(connection: connection, requestTimeout: configuration.processing.requestTimeout)
        }
        let dispatcher = try TriggerExecutor(
            configuration: configuration.triggerConfiguration(
                routing: routing, publisher: JetStreamTriggerPublisher(state: state),
                claims: KeyValueFiringClaims(state: state), kubernetes: kubernetesClient,
                dryRun: dryRun
            ) { logTrigger.info("\($0)") })
        let tracing = try configuration.tracing.isEnabled ? TracingBackend(configuration.tracing, logger: logger) : nil
        let engine = GatewayEngine(
            configuration: configuration, sensors: sensors,
            dispatcher: dispatcher,
            metrics: metrics, state: state, logger: logger, tracer: tracing?.tracer)
        let admin = AdminServer.application(
            host: configuration.adminHost, port: configuration.adminPort, tokenFile: configuration.adminTokenFile,
            state: state, metrics: metrics, requests: configuration.requestPreviews(kubernetes: kubernetes),
            deadLetterStream: DeadLetterQueue.stream(
                storing: configuration.nats.dlqSubject,
                in: (try? GatewayProvisioning.specs(configuration))?.specs.streams ?? []),
            console: configuration.console, logger: logger)
        state.setRouting(routing)
        let endpoints = TriggerEndpoints(configuration, kubernetes: kubernetes != nil, dryRun: dryRun)
        let composer = SensorComposer(
            files: sensors, routing: routing, endpoints: endpoints, engine: engine, metrics: metrics, state: state)
        let reload = ReloadService(
            configurationPath: configurationPath, running: configuration, natsOverrides: natsOverrides, strict: strict,
            endpoints: endpoints,
            composer: composer, executor: dispatcher, metrics: metrics, state: state, logger: logger)
        var kubernetesSensors: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let source = configuration.kubernetesSensors, let kubernetesClient {
            let service = KubernetesSensorService(
                source: source, client: kubernetesClient, composer: composer, writesStatus: !dryRun,
                logger: logger)
            kubernetesSensors.append(.init(service: service, serviceName: "kubernetes-sensors"))
        }
        // First, so it stops last: the spans of the messages the pipeline drains are exported before the exit.
        let tracingServices =
            tracing.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0.service)] } ?? []
        var group = ServiceGroupConfiguration(
            services: tracingServices + [
                .init(
                    service: TriggerExecutorService(executor: dispatcher, kubernetes: kubernetesClient),
                    serviceName: "triggers"),
                .init(service: admin, serviceName: "admin"),
                .init(
                    service: engine, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "pipeline"),
                .init(
                    service: ConsumerLagService(
                        stream: configuration.nats.stream, interval: consumerLagInterval, state: state,
                        metrics: metrics, logger: logger),
                    serviceName: "consumer-lag"),
                .init(service: StartupPagesService(state: state, logger: logger), serviceName: "startup-pages"),
            ]
                + EventSourceServices.make(
                    sources: configuration.sources,
                    context: EventSourceContext(
                        subjectPrefix: configuration.nats.subjectPrefix, store: state, status: state.eventSources,
                        metrics: metrics, logger: logger)) + kubernetesSensors + [
                    .init(service: reload, serviceName: "reload")
                ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.processing.drainTimeout + .seconds(15)
        return ServiceGroup(configuration: group)
    }
}

/// Keeps the trigger executor's HTTP clients (and the Kubernetes client it was given) until the group shuts down;
/// first in the group, so stopped last, after the pipeline has drained.
private struct TriggerExecutorService: Service {
    let executor: TriggerExecutor
    let kubernetes: KubernetesClient?

    func run() async throws {
        try? await gracefulShutdown()
        await executor.shutdown()
        await kubernetes?.shutdown()
    }
}
