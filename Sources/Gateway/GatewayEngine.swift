import EventModel
import Foundation
import JetStream
public import Logging
import SensorEngine
import SensorModel
public import ServiceLifecycle
import Synchronization
public import Tracing

/// The pipeline as a service: connects to NATS (retrying until it can), provisions the streams and buckets and one
/// consumer per dependency subject, and runs the consumers until graceful shutdown, when they drain and the
/// connection is drained and closed.
///
/// ``apply(_:)`` swaps the sensors at run time: consumers of subjects no dependency uses any more stop (after
/// finishing their messages in flight), consumers of new subjects start, and every other consumer routes its next
/// message with the new sensors.
public final class GatewayEngine: Service, Sendable {
    private enum Command: Sendable {
        case start(SubjectConsumer)
    }

    private let configuration: GatewayConfiguration
    private let dispatcher: any TriggerDispatching
    private let metrics: GatewayMetrics
    private let state: GatewayState
    private let logger: Logger
    private let tracer: PipelineTracer?
    private let commands: AsyncStream<Command>
    private let commandSink: AsyncStream<Command>.Continuation
    private let consumers = Mutex<[String: SubjectConsumer]>([:])
    private let started = Mutex(false)
    /// The correlator and its bucket, once the connection is prepared.
    private let correlation = Mutex<(correlator: Correlator, bucket: KeyValueBucket)?>(nil)
    private let closing = Mutex(false)

    /// Creates the engine.
    /// - Parameters:
    ///   - configuration: the settings (NATS, processing).
    ///   - sensors: the sensors to run first.
    ///   - dispatcher: executes fired triggers.
    ///   - metrics: where the pipeline counts.
    ///   - state: what the admin endpoints report.
    ///   - logger: the pipeline's logger.
    ///   - tracer: records the spans of each message; `nil`: tracing is off.
    public init(
        configuration: GatewayConfiguration, sensors: SensorSet, dispatcher: any TriggerDispatching,
        metrics: GatewayMetrics, state: GatewayState, logger: Logger, tracer: (any Tracer)? = nil
    ) {
        self.configuration = configuration
        self.tracer = tracer.map(PipelineTracer.init)
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.state = state
        self.logger = logger
        (commands, commandSink) = AsyncStream.makeStream(of: Command.self)
        state.setSensors(sensors)
    }

    /// Runs until graceful shutdown.
    /// - Throws: ``ConfigurationError`` when a spec file is invalid, ``ProvisioningError`` when the streams or buckets
    ///   cannot be provisioned, ``NATSError`` when the correlation or firing claims' bucket cannot be opened.
    public func run() async throws {
        guard let connection = await connect() else { return }
        state.setConnection(connection)
        metrics.setNATSConnected(true)
        let (specs, template) = try GatewayProvisioning.specs(configuration)
        let ackWait = SensorSet.effectiveAckWait(of: template)
        if ackWait < configuration.processing.executionTimeout {
            logger.warning(
                """
                the consumers' ack wait is shorter than processing.executionTimeout: a message is redelivered while \
                the claim of a replica that died still holds, and the redelivery waits for it to expire
                """,
                metadata: [
                    "ackWait": "\(ackWait)", "executionTimeout": "\(configuration.processing.executionTimeout)",
                ])
        }
        guard let bucket = try await prepare(specs, on: connection) else {
            await connection.close()
            return
        }
        let correlator = Correlator(store: KeyValueCorrelationStore(bucket: bucket), clock: SystemClock())
        self.correlation.withLock { $0 = (correlator, bucket) }
        let processor = MessageProcessor(
            correlator: correlator, dispatcher: dispatcher, deadLetters: connection,
            dlqSubject: configuration.nats.dlqSubject, retryDelay: configuration.processing.retryDelay,
            metrics: metrics, state: state, logger: logger, tracer: tracer)
        let context = ConsumerContext(
            connection: connection, stream: configuration.nats.stream, template: template,
            concurrency: configuration.processing.concurrency, fetchBatch: configuration.processing.fetchBatch,
            drainTimeout: configuration.processing.drainTimeout,
            ackWait: ackWait, processor: processor, metrics: metrics, state: state,
            logger: logger)
        if let sensors = state.sensors { await loadPending(sensors, correlator: correlator, bucket: bucket) }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.watch(connection) }
            group.addTask { await self.resetCorrelations(correlator) }
            await withDiscardingTaskGroup { consumerGroup in
                started.withLock { $0 = true }
                startConsumers(for: state.sensors)
                for await command in commands.cancelOnGracefulShutdown() {
                    switch command {
                    case .start(let consumer):
                        consumerGroup.addTask {
                            await consumer.run(context: context)
                            self.consumers.withLock { running in
                                if running[consumer.subject] === consumer { running[consumer.subject] = nil }
                            }
                        }
                    }
                }
                logger.info("shutting down: draining consumers")
            }
            closing.withLock { $0 = true }
            do {
                try await connection.drain(timeout: .seconds(5))
            } catch {
                await connection.close()
            }
            logger.info("NATS connection closed")
        }
    }

    /// Runs `sensors` from now on (see the type's description), then reads what is held for their triggers.
    public func apply(_ sensors: SensorSet) async {
        state.setSensors(sensors)
        guard started.withLock({ $0 }) else { return }
        startConsumers(for: sensors)
        if let (correlator, bucket) = correlation.withLock({ $0 }) {
            await loadPending(sensors, correlator: correlator, bucket: bucket)
        }
    }

    /// Stops the consumers of subjects `sensors` does not use, starts those it needs.
    private func startConsumers(for sensors: SensorSet?) {
        let wanted = Set(sensors?.subjects ?? [])
        let toStart = consumers.withLock { running -> [SubjectConsumer] in
            for (subject, consumer) in running where !wanted.contains(subject) {
                consumer.stop()
                running[subject] = nil
                logger.info("stopping the consumer of a removed subject", metadata: [LoggingKeys.subject: "\(subject)"])
            }
            var added: [SubjectConsumer] = []
            for subject in wanted.sorted() where running[subject] == nil {
                let consumer = SubjectConsumer(subject: subject)
                running[subject] = consumer
                added.append(consumer)
            }
            return added
        }
        for consumer in toStart { commandSink.yield(.start(consumer)) }
    }

    /// Connects, retrying every 2 s; nil when shutdown came first.
    private func connect() async -> NATSConnection? {
        var attempt = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            attempt += 1
            do {
                let connection = try await NATSConnection.connect(configuration.connectionOptions)
                logger.info(
                    "connected to NATS", metadata: ["servers": "\(NATSConnection.redacted(configuration.nats.urls))"])
                return connection
            } catch {
                if attempt == 1 || attempt % 30 == 0 {
                    logger.warning("cannot connect to NATS; retrying", metadata: [LoggingKeys.error: "\(error)"])
                }
            }
            try? await Task.sleep(for: .seconds(2))
        }
        return nil
    }

    /// Provisions the streams and buckets of `specs`, checks that the firing claims' bucket exists and opens the
    /// correlation bucket, retrying every 2 s while
    /// JetStream cannot answer yet: a cluster that lost a server elects new stream leaders, and its API requests time
    /// out meanwhile. A refusal is thrown at once. Nil when shutdown came first.
    private func prepare(_ specs: JetStreamSpecs, on connection: NATSConnection) async throws -> KeyValueBucket? {
        let bucketName =
            specs.keyValueBuckets.first { $0.bucket != KeyValueFiringClaims.bucketName }?.bucket
            ?? "sensor-gateway-correlations"
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let failure: NATSError
            do {
                for result in try await connection.provision(specs) {
                    // A new resource or a change of replicas is news to an operator; an unchanged update is not.
                    let level: Logger.Level = result.action == .created || result.changedReplicas ? .info : .debug
                    logger.log(level: level, "provisioned", metadata: ["resource": "\(result)"])
                }
                // The firing claims' bucket must exist too: a claimed trigger would fail on every firing without it.
                _ = try await connection.keyValue(KeyValueFiringClaims.bucketName)
                return try await connection.keyValue(bucketName)
            } catch let error as ProvisioningError {
                guard case .refused(_, _, let cause) = error, cause.isTemporary else { throw error }
                failure = cause
            } catch let error as NATSError {
                guard error.isTemporary else { throw error }
                failure = error
            }
            logger.warning("JetStream is not answering yet; retrying", metadata: [LoggingKeys.error: "\(failure)"])
            try? await Task.sleep(for: .seconds(2))
        }
        return nil
    }

    /// Follows the connection's events into `nats_connected`, `nats_reconnects_total` and the log; ends when the
    /// connection closes.
    private func watch(_ connection: NATSConnection) async {
        for await event in connection.events {
            switch event {
            case .disconnected:
                metrics.setNATSConnected(false)
                state.setNATSConnected(false)
                if !closing.withLock({ $0 }) { logger.warning("NATS connection lost; reconnecting") }
            case .reconnected:
                metrics.setNATSConnected(true)
                metrics.natsReconnected()
                state.setNATSConnected(true)
                logger.info("NATS connection re-established")
            case .closed:
                metrics.setNATSConnected(false)
            case .asynchronousError(let text):
                logger.warning("NATS error", metadata: [LoggingKeys.error: "\(text)"])
            }
        }
        metrics.setNATSConnected(false)
    }

    /// Applies `conditionsReset` on its ticks: drops what each trigger held before its last tick (correlation
    /// already ignores such events; this keeps the store, `/status` and `correlations_pending` in step). Wakes at the
    /// next tick of any trigger, at least once a minute (sensors may change), until graceful shutdown.
    private func resetCorrelations(_ correlator: Correlator) async {
        let clock = SystemClock()
        while !Task.isShuttingDownGracefully {
            let now = clock.now
            let triggers = (state.sensors?.sensors ?? []).flatMap { sensor in sensor.triggers.map { (sensor, $0) } }
            let next = triggers.compactMap { $0.1.nextReset(after: now) }.min()
            let wait = next.map { Double($0.seconds - now.seconds) + 0.5 } ?? 60
            _ = try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .seconds(min(max(wait, 0.5), 60)))
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            for (sensor, trigger) in triggers where !trigger.conditionsReset.isEmpty {
                do {
                    guard try await correlator.resetIfDue(trigger: trigger, sensor: sensor.name) > 0 else { continue }
                    let held = try await correlator.state(trigger: trigger.name, sensor: sensor.name)
                    let count = state.setPending(
                        sensor: sensor.name, trigger: trigger.name, held: held.pending.map(HeldDependency.init))
                    metrics.setCorrelationsPending(sensor: sensor.name, count: count)
                    logger.info(
                        "conditionsReset: dropped held events",
                        metadata: [LoggingKeys.sensor: "\(sensor.name)", LoggingKeys.trigger: "\(trigger.name)"])
                } catch {
                    logger.warning(
                        "conditionsReset failed",
                        metadata: [
                            LoggingKeys.sensor: "\(sensor.name)", LoggingKeys.trigger: "\(trigger.name)",
                            LoggingKeys.error: "\(error)",
                        ])
                }
            }
        }
    }

    /// Reads the held dependencies of every trigger, for `correlations_pending` and `/status` after a restart. The
    /// keys of `bucket` are listed first, in one request: a trigger without a key holds nothing, and only the others
    /// are read (one request each).
    private func loadPending(_ sensors: SensorSet, correlator: Correlator, bucket: KeyValueBucket) async {
        let stored = try? await bucket.storedKeys()
        for sensor in sensors.sensors {
            for trigger in sensor.triggers {
                let held: CorrelationState
                if let stored,
                    !stored.contains(KeyValueCorrelationStore.key(sensor: sensor.name, trigger: trigger.name))
                {
                    held = CorrelationState()
                } else {
                    guard let state = try? await correlator.state(trigger: trigger.name, sensor: sensor.name) else {
                        continue
                    }
                    held = state
                }
                let count = state.setPending(
                    sensor: sensor.name, trigger: trigger.name, held: held.pending.map(HeldDependency.init))
                metrics.setCorrelationsPending(sensor: sensor.name, count: count)
            }
        }
    }
}
