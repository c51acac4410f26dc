import BuildStamp
public import EventSources
public import Prometheus
import Synchronization

/// The gateway's Prometheus metrics, named as the architecture lists them (prefix `sensor_gateway_`).
///
/// Each instance has its own registry, so tests can run several gateways in one process.
public final class GatewayMetrics: EventSourceMetrics {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry

    /// A metric's name and label values: the key of the collectors already made.
    private struct CollectorKey: Hashable {
        let name: String
        let values: [String]
    }

    /// The collectors made so far. `registry.make…` validates the metric name, the label names and the help
    /// text and looks the series up under the registry's lock on every call, which cost more than the filters of
    /// a dependency on each event (docs/performance.md); each series is made once and then only looked up here.
    private let counters = Mutex<[CollectorKey: Counter]>([:])
    private let gauges = Mutex<[CollectorKey: Gauge]>([:])
    private let histograms = Mutex<[CollectorKey: DurationHistogram]>([:])

    /// The process metrics, refreshed at each rendering; nil without procfs.
    private let process: ProcessMetrics?

    /// `events_received_total` and `events_filtered_total`, outside the registry (see the type).
    private let dependencyCounts = DependencyCounterTable()

    /// Bucket bounds of both histograms: from 0.5 ms, since most triggers (http, nats, log) finish in about a
    /// millisecond on a local network.
    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
    ]

    /// Creates the metrics in a new registry; the label-less ones (`build_info` and the process metrics among
    /// them) are registered at once, so they show from the first scrape.
    public init() {
        registry = PrometheusCollectorRegistry()
        process = ProcessMetrics(registry: registry)
        registry.makeGauge(
            descriptor: Self.descriptor(
                "build", "info", "1, labelled with the version and revision the gateway was built from."),
            labels: [("version", BuildInfo.version), ("revision", BuildInfo.revision)]
        ).set(1.0)
        setNATSConnected(false)
        setReady(false)
        _ = reconnects
    }

    /// The Prometheus text exposition, with the process metrics read just before.
    public func render() -> String {
        process?.refresh()
        var text = registry.emitToString()
        dependencyCounts.render(into: &text)
        return text
    }

    private static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sensor_gateway", metricName: name, unitName: unit, helpText: help)
    }

    /// The collector of `cache` for `name` and these label values, made by `make` on first use.
    private func collector<Collector: Sendable>(
        _ cache: borrowing Mutex<[CollectorKey: Collector]>, _ name: String, _ values: [String],
        _ make: (PrometheusCollectorRegistry) -> Collector
    ) -> Collector {
        let key = CollectorKey(name: name, values: values)
        if let collector = cache.withLock({ $0[key] }) { return collector }
        // Made outside the lock; the registry returns the same collector to a concurrent first use.
        let collector = make(registry)
        cache.withLock { $0[key] = collector }
        return collector
    }

    private func counter(_ name: String, _ values: [String], _ make: (PrometheusCollectorRegistry) -> Counter)
        -> Counter
    {
        collector(counters, name, values, make)
    }

    private func gauge(_ name: String, _ values: [String], _ make: (PrometheusCollectorRegistry) -> Gauge) -> Gauge {
        collector(gauges, name, values, make)
    }

    private func histogram(
        _ name: String, _ values: [String], _ make: (PrometheusCollectorRegistry) -> DurationHistogram
    ) -> DurationHistogram {
        collector(histograms, name, values, make)
    }

    /// The counters of one sensor dependency: `events_received_total{sensor,dependency}` (events routed to it,
    /// before its filters) and `events_filtered_total{sensor,dependency,reason}` (events its filters rejected,
    /// `reason` `filter` or `error`). A consumer looks them up once per batch, not per event.
    public struct DependencyCounters: Sendable {
        let counts: DependencyCounterTable.Counts

        /// Counts an event the dependency's filters rejected; `failed`: a filter could not be evaluated.
        public func eventFiltered(failed: Bool) { (failed ? counts.filterErrors : counts.filtered).add(1) }

        /// Counts `received` events routed to the dependency, of which `ruledOut` a filter rejects without being
        /// evaluated (the sensor index ruled them out).
        public func eventsReceived(_ received: Int, ruledOut: Int) {
            counts.received.add(Int64(received))
            if ruledOut > 0 { counts.filtered.add(Int64(ruledOut)) }
        }
    }

    /// The counters of `dependency` of `sensor`.
    public func dependencyCounters(sensor: String, dependency: String) -> DependencyCounters {
        DependencyCounters(counts: dependencyCounts.counts(sensor: sensor, dependency: dependency))
    }

    /// `events_invalid_total{reason}`: messages that are not a decodable CloudEvent.
    public func eventInvalid(reason: String) {
        counter("events_invalid", [reason]) { registry in
            registry.makeCounter(
                descriptor: Self.descriptor("events_invalid", "total", "Messages that are not a valid CloudEvent."),
                labels: [("reason", reason)]
            )
        }.increment()
    }

    /// `triggers_total{sensor,trigger,engine,outcome,route}` and `trigger_duration_seconds{engine}`.
    /// - Parameters:
    ///   - engine: what executed the trigger; for a `route` trigger the engine the routing matrix chose.
    ///   - route: the route the matrix chose; empty for other triggers.
    public func triggerExecuted(
        sensor: String, trigger: String, engine: String, route: String, outcome: String, duration: Duration
    ) {
        counter("triggers", [sensor, trigger, engine, outcome, route]) { registry in
            registry.makeCounter(
                descriptor: Self.descriptor("triggers", "total", "Trigger executions by outcome."),
                labels: [
                    ("sensor", sensor), ("trigger", trigger), ("engine", engine), ("outcome", outcome),
                    ("route", route),
                ]
            )
        }.increment()
        histogram("trigger_duration", [engine]) { registry in
            registry.makeDurationHistogram(
                descriptor: Self.descriptor("trigger_duration", "seconds", "Time to execute a trigger."),
                labels: [("engine", engine)], buckets: Self.durationBuckets
            )
        }.record(duration)
    }

    /// `event_to_trigger_seconds`: from the event's publication to its trigger's completion.
    public func eventToTrigger(_ duration: Duration) {
        histogram("event_to_trigger", []) { registry in
            registry.makeDurationHistogram(
                descriptor: Self.descriptor(
                    "event_to_trigger", "seconds", "Time from an event's publication to its trigger's completion."),
                buckets: Self.durationBuckets
            )
        }.record(duration)
    }

    /// `dlq_total{sensor,reason}`: messages dead-lettered.
    public func deadLettered(sensor: String, reason: String) {
        counter("dlq", [sensor, reason]) { registry in
            registry.makeCounter(
                descriptor: Self.descriptor("dlq", "total", "Messages published to the dead-letter subject."),
                labels: [("sensor", sensor), ("reason", reason)]
            )
        }.increment()
    }

    /// `correlations_pending{sensor}`: dependency events held for the sensor's triggers.
    public func setCorrelationsPending(sensor: String, count: Int) {
        gauge("correlations", [sensor]) { registry in
            registry.makeGauge(
                descriptor: Self.descriptor(
                    "correlations", "pending", "Dependency events held until a condition holds."),
                labels: [("sensor", sensor)]
            )
        }.set(Double(count))
    }

    /// `correlations_evicted_total{sensor}`: held dependency events dropped because a newer event of the same
    /// dependency replaced them (a trigger holds at most one per dependency).
    public func correlationsEvicted(sensor: String, count: Int) {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "correlations_evicted", "total",
                "Held dependency events replaced by a newer event of the same dependency."),
            labels: [("sensor", sensor)]
        ).increment(by: Int64(count))
    }

    /// The server's counters of one consumer, as ``ConsumerLagService`` reads them.
    public struct ConsumerLag: Sendable, Equatable {
        /// Messages not yet delivered (`num_pending`).
        public var pending: UInt64
        /// Messages delivered and not yet acknowledged (`num_ack_pending`).
        public var ackPending: Int64
        /// Unacknowledged messages delivered more than once (`num_redelivered`).
        public var redelivered: Int64

        /// The counters, as the server reports them.
        public init(pending: UInt64, ackPending: Int64, redelivered: Int64) {
            self.pending = pending
            self.ackPending = ackPending
            self.redelivered = redelivered
        }
    }

    /// One gauge of the consumer's lag, each a value of the server's, so every replica reports the same one.
    private struct LagGauge: Sendable {
        let name: String
        let unit: String
        let help: String
        let value: @Sendable (ConsumerLag) -> Double
    }

    /// `consumer_pending`, `consumer_ack_pending` and `consumer_redelivered`, labelled `{stream,consumer}`.
    private static let lagGauges = [
        LagGauge(
            name: "consumer", unit: "pending",
            help: "Messages of a consumer not yet delivered, as the server counts them."
        ) { Double($0.pending) },
        LagGauge(
            name: "consumer_ack", unit: "pending", help: "Messages of a consumer delivered and not yet acknowledged."
        ) { Double($0.ackPending) },
        LagGauge(
            name: "consumer", unit: "redelivered",
            help: "Unacknowledged messages of a consumer delivered more than once."
        ) { Double($0.redelivered) },
    ]

    /// Sets the lag gauges of `consumer` of `stream`.
    public func setConsumerLag(stream: String, consumer: String, _ lag: ConsumerLag) {
        for gauge in Self.lagGauges {
            self.gauge(gauge.name + "_" + gauge.unit, [stream, consumer]) { registry in
                registry.makeGauge(
                    descriptor: Self.descriptor(gauge.name, gauge.unit, gauge.help),
                    labels: [("stream", stream), ("consumer", consumer)])
            }.set(gauge.value(lag))
        }
    }

    /// Drops the lag gauges of a consumer the gateway no longer binds.
    public func removeConsumerLag(stream: String, consumer: String) {
        for gauge in Self.lagGauges {
            let key = CollectorKey(name: gauge.name + "_" + gauge.unit, values: [stream, consumer])
            if let removed = gauges.withLock({ $0.removeValue(forKey: key) }) { registry.unregisterGauge(removed) }
        }
    }

    /// The dispositions and redeliveries of one consumer's messages: `naks_total{consumer}`, `terms_total{consumer}`
    /// and `redeliveries_total{consumer}` (messages that reached processing with a delivery count above 1). A
    /// consumer looks them up once, when it starts.
    public struct ConsumerCounters: Sendable {
        let naks: Counter
        let terms: Counter
        let redeliveries: Counter

        /// Counts a nak sent.
        public func nakSent() { naks.increment() }

        /// Counts a term sent.
        public func termSent() { terms.increment() }

        /// Counts a message delivered more than once.
        public func redeliverySeen() { redeliveries.increment() }
    }

    /// The counters of consumer `consumer`.
    public func consumerCounters(consumer: String) -> ConsumerCounters {
        func make(_ name: String, _ help: String) -> Counter {
            counter(name, [consumer]) { registry in
                registry.makeCounter(
                    descriptor: Self.descriptor(name, "total", help), labels: [("consumer", consumer)])
            }
        }
        return ConsumerCounters(
            naks: make("naks", "Messages of a consumer nak'ed for redelivery."),
            terms: make("terms", "Messages of a consumer terminated (never redelivered)."),
            redeliveries: make("redeliveries", "Messages of a consumer processed on a delivery after the first."))
    }

    private var reconnects: Counter {
        counter("nats_reconnects", []) { registry in
            registry.makeCounter(
                descriptor: Self.descriptor(
                    "nats_reconnects", "total", "Times the NATS connection was re-established after it was lost."))
        }
    }

    /// `nats_reconnects_total`: counts a re-established connection.
    public func natsReconnected() { reconnects.increment() }

    /// `config_reloads_total{outcome}`.
    public func configReloaded(outcome: String) {
        counter("config_reloads", [outcome]) { registry in
            registry.makeCounter(
                descriptor: Self.descriptor("config_reloads", "total", "Configuration reloads by outcome."),
                labels: [("outcome", outcome)]
            )
        }.increment()
    }

    /// `sensors_rejected`: the sensor documents the last load or reload rejected.
    public func setSensorsRejected(_ count: Int) {
        gauge("sensors_rejected", []) { registry in
            registry.makeGauge(
                descriptor: Self.descriptor(
                    "sensors", "rejected", "Sensor documents the last load or reload rejected for their errors.")
            )
        }.set(Double(count))
    }

    /// `events_accepted_total{source}`: events an event source (`http`, `schedule:<name>`) stored in JetStream.
    public func eventAccepted(source: String) {
        registry.makeCounter(
            descriptor: Self.descriptor("events_accepted", "total", "Events an event source stored in JetStream."),
            labels: [("source", source)]
        ).increment()
    }

    /// `events_rejected_total{source,reason}`: events an event source refused or could not store.
    public func eventRejected(source: String, reason: String) {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "events_rejected", "total", "Events an event source refused or could not store."),
            labels: [("source", source), ("reason", reason)]
        ).increment()
    }

    /// `ready`: 1 while `/readyz` answers 200; set at each scrape.
    public func setReady(_ ready: Bool) {
        gauge("ready", []) { registry in
            registry.makeGauge(
                descriptor: Self.descriptor(
                    "ready", "", "1 while /readyz answers 200: configuration loaded, NATS connected, consumers bound.")
            )
        }.set(ready ? 1.0 : 0.0)
    }

    /// `nats_connected`: 1 while connected.
    public func setNATSConnected(_ connected: Bool) {
        gauge("nats", []) { registry in
            registry.makeGauge(
                descriptor: Self.descriptor("nats", "connected", "1 while the NATS connection is up.")
            )
        }.set(connected ? 1.0 : 0.0)
    }
}
