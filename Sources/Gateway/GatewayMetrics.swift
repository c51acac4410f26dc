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

    /// Bucket bounds of both histograms.
    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
    ]

    /// Creates the metrics in a new registry; the label-less ones are registered at once, so they show from the
    /// first scrape.
    public init() {
        registry = PrometheusCollectorRegistry()
        setNATSConnected(false)
    }

    /// The Prometheus text exposition.
    public func render() -> String { registry.emitToString() }

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
        let received: Counter
        let filtered: Counter
        let filterErrors: Counter

        /// Counts an event the dependency's filters rejected; `failed`: a filter could not be evaluated.
        public func eventFiltered(failed: Bool) { (failed ? filterErrors : filtered).increment() }

        /// Counts `received` events routed to the dependency, of which `ruledOut` a filter rejects without being
        /// evaluated (the sensor index ruled them out).
        public func eventsReceived(_ received: Int, ruledOut: Int) {
            self.received.increment(by: Int64(received))
            if ruledOut > 0 { filtered.increment(by: Int64(ruledOut)) }
        }
    }

    /// The counters of `dependency` of `sensor`.
    public func dependencyCounters(sensor: String, dependency: String) -> DependencyCounters {
        DependencyCounters(
            received: counter("events_received", [sensor, dependency]) { registry in
                registry.makeCounter(
                    descriptor: Self.descriptor("events_received", "total", "Events routed to a sensor dependency."),
                    labels: [("sensor", sensor), ("dependency", dependency)]
                )
            },
            filtered: filteredCounter(sensor: sensor, dependency: dependency, reason: "filter"),
            filterErrors: filteredCounter(sensor: sensor, dependency: dependency, reason: "error"))
    }

    private func filteredCounter(sensor: String, dependency: String, reason: String) -> Counter {
        counter("events_filtered", [sensor, dependency, reason]) { registry in
            registry.makeCounter(
                descriptor: Self.descriptor("events_filtered", "total", "Events rejected by a dependency's filters."),
                labels: [("sensor", sensor), ("dependency", dependency), ("reason", reason)]
            )
        }
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

    /// `consumer_pending{consumer}`: messages of the consumer not yet delivered.
    public func setConsumerPending(consumer: String, count: UInt64) {
        gauge("consumer", [consumer]) { registry in
            registry.makeGauge(
                descriptor: Self.descriptor("consumer", "pending", "Messages of a consumer not yet delivered."),
                labels: [("consumer", consumer)]
            )
        }.set(Double(count))
    }

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

    /// `nats_connected`: 1 while connected.
    public func setNATSConnected(_ connected: Bool) {
        gauge("nats", []) { registry in
            registry.makeGauge(
                descriptor: Self.descriptor("nats", "connected", "1 while the NATS connection is up.")
            )
        }.set(connected ? 1.0 : 0.0)
    }
}
