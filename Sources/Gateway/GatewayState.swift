import ConfigReader
public import EventModel
public import EventSources
import Foundation
public import JetStream
public import SensorEngine
import SensorLanguage
public import SensorModel
import Synchronization

/// What the admin endpoints report: readiness, the sensors running, held correlations and the last outcome of each
/// trigger. Written by the pipeline, read by `/readyz` and `/status`; never holds a secret.
public final class GatewayState: EventStoring {
    /// The last outcome of one trigger.
    public struct OutcomeRecord: Sendable, Hashable {
        /// `succeeded`, `already_done`, `retryable` or `permanent` (the Triggers module's labels).
        public var outcome: String
        /// The outcome's detail or reason.
        public var detail: String
        /// The event ids the trigger fired with.
        public var eventIDs: [String]
        /// When.
        public var at: EventTimestamp
    }

    /// When `/readyz` fails besides at start-up.
    public struct Readiness: Sendable, Hashable {
        /// A consumer that has not completed a fetch for this long while it has messages to process is stuck
        /// (`admin.readiness.consumerStallTimeout`, default 5 minutes, above `processing.executionTimeout`; zero: never).
        public var consumerStallTimeout: Duration
        /// A lost NATS connection makes the gateway not ready once it has lasted this long
        /// (`admin.readiness.natsDisconnectGrace`, default 15 s): a reconnect within it is not an outage.
        public var natsDisconnectGrace: Duration

        /// Readiness rules; the defaults suit a cluster.
        public init(consumerStallTimeout: Duration = .seconds(300), natsDisconnectGrace: Duration = .seconds(15)) {
            self.consumerStallTimeout = consumerStallTimeout
            self.natsDisconnectGrace = natsDisconnectGrace
        }
    }

    private struct Contents {
        var connection: NATSConnection?
        var disconnectedSince: ContinuousClock.Instant?
        var sensors: SensorSet?
        var boundConsumers: Set<String> = []
        var progress: [String: ConsumerProgress] = [:]
        var pending: [String: [String: [HeldDependency]]] = [:]
        var outcomes: [String: [String: OutcomeRecord]] = [:]
        var activity: [String: [String: TriggerActivity]] = [:]
        var lag: [String: GatewayMetrics.ConsumerLag] = [:]
        var firings = RecentFirings(capacity: GatewayState.recentFiringsCapacity)
        var routing: RoutingMatrix?
        var lastReloadError: String?
    }

    /// How many firings `GET /api/firings` lists.
    public static let recentFiringsCapacity = 200

    private let contents = Mutex(Contents())
    private let readiness: Readiness
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// The HTTP endpoint and the schedules, for `/status`.
    public let eventSources = EventSourceState()

    /// What each dependency and filter passed and rejected, for `/api/sensors`.
    public let screening = ScreeningCounters()

    /// An empty state: not ready.
    /// - Parameters:
    ///   - readiness: when `/readyz` fails.
    ///   - clock: now (a test may move it).
    public init(readiness: Readiness = Readiness(), clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now })
    {
        self.readiness = readiness
        self.clock = clock
    }

    /// The connection whose state `/readyz` reports.
    public func setConnection(_ connection: NATSConnection?) {
        contents.withLock { $0.connection = connection }
    }

    /// Records that the NATS connection was lost (`false`) or re-established (`true`).
    public func setNATSConnected(_ connected: Bool) {
        let now = clock()
        contents.withLock { state in
            if connected {
                state.disconnectedSince = nil
            } else if state.disconnectedSince == nil {
                state.disconnectedSince = now
            }
        }
    }

    /// The connection, once the engine has one.
    public var connection: NATSConnection? { contents.withLock { $0.connection } }

    /// The sensors now running.
    public func setSensors(_ sensors: SensorSet) {
        contents.withLock { $0.sensors = sensors }
        screening.keep(sensors: Set(sensors.sensors.map(\.name)))
    }

    /// The sensors now running, if loaded.
    public var sensors: SensorSet? { contents.withLock { $0.sensors } }

    /// Marks a durable consumer bound (consuming) or not.
    public func setBound(_ durable: String, _ bound: Bool) {
        contents.withLock { state in
            if bound { state.boundConsumers.insert(durable) } else { state.boundConsumers.remove(durable) }
        }
    }

    /// Follows a consumer's fetches for readiness (`nil` when it stops).
    func setProgress(_ durable: String, _ progress: ConsumerProgress?) {
        contents.withLock { $0.progress[durable] = progress }
    }

    /// Records the dependencies held for a trigger (empty: none), as this process last stored or read them.
    /// - Returns: the number of events held for the sensor's triggers altogether.
    @discardableResult
    public func setPending(sensor: String, trigger: String, held: [HeldDependency]) -> Int {
        contents.withLock { state in
            state.pending[sensor, default: [:]][trigger] = held.isEmpty ? nil : held
            return state.pending[sensor]?.values.reduce(0) { $0 + $1.count } ?? 0
        }
    }

    /// Records the server's counters of a consumer (`nil`: forget them).
    public func setConsumerLag(_ consumer: String, _ lag: GatewayMetrics.ConsumerLag?) {
        contents.withLock { $0.lag[consumer] = lag }
    }

    /// Records a trigger's outcome.
    public func recordOutcome(sensor: String, trigger: String, _ record: OutcomeRecord) {
        contents.withLock { $0.outcomes[sensor, default: [:]][trigger] = record }
    }

    /// Records an executed firing: its trigger's last outcome and an entry of the recent firings.
    public func recordFiring(_ firing: FiringRecord) {
        let outcome = OutcomeRecord(
            outcome: firing.outcome, detail: firing.detail, eventIDs: firing.eventIDs, at: firing.at)
        contents.withLock { state in
            state.outcomes[firing.sensor, default: [:]][firing.trigger] = outcome
            state.activity[firing.sensor, default: [:]][firing.trigger, default: TriggerActivity()].add(
                outcome: firing.outcome, duration: firing.duration)
            state.firings.append(firing)
        }
    }

    /// What `/api/sensors` shows, read at once.
    var consoleView: ConsoleView {
        contents.withLock { state in
            ConsoleView(
                sensors: state.sensors, held: state.pending, lastOutcomes: state.outcomes, activity: state.activity,
                lag: state.lag)
        }
    }

    /// The latest firings, newest first (at most ``recentFiringsCapacity``).
    public var recentFirings: [FiringRecord] { contents.withLock { $0.firings.newestFirst } }

    /// The routing matrix `route` triggers now use, for the requests `POST /api/explain` shows.
    public func setRouting(_ routing: RoutingMatrix?) {
        contents.withLock { $0.routing = routing }
    }

    /// The routing matrix now in use, if any.
    public var routing: RoutingMatrix? { contents.withLock { $0.routing } }

    /// Records the last rejected reload (nil after a successful one).
    public func setLastReloadError(_ error: String?) {
        contents.withLock { $0.lastReloadError = error }
    }

    /// Why the gateway is not ready, or nil when it is: config loaded, NATS connected (or lost for less than the
    /// grace period), every consumer bound, and none stuck.
    public var notReadyReason: String? {
        let now = clock()
        return contents.withLock { state in
            guard let sensors = state.sensors else { return "configuration not loaded" }
            guard let connection = state.connection else { return "NATS not connected yet" }
            let connectionState = connection.state
            if connectionState != .connected {
                let lost = now - (state.disconnectedSince ?? now)
                if connectionState == .closed || lost >= readiness.natsDisconnectGrace {
                    return "NATS connection is \(connectionState) (for \(lost.components.seconds)s)"
                }
                return nil
            }
            let durables = sensors.subjects.map(SensorSet.durableName(subject:))
            let missing = durables.filter { !state.boundConsumers.contains($0) }
            guard missing.isEmpty else { return "consumers not bound: \(missing.joined(separator: ", "))" }
            guard readiness.consumerStallTimeout > .zero else { return nil }
            let stuck = durables.compactMap { durable in
                state.progress[durable]?.stall(after: readiness.consumerStallTimeout).map { "\(durable): \($0)" }
            }
            guard stuck.isEmpty else { return "consumers stuck: \(stuck.joined(separator: "; "))" }
            return nil
        }
    }

    /// `/status`: the sensor files, the sensors with their dependencies (subject, consumer) and triggers, pending
    /// correlations, last outcomes, the rejected sensor documents with their findings, the last reload error.
    public var status: EventValue {
        contents.withLock { state in
            var sensors: [EventValue] = []
            for sensor in state.sensors?.sensors ?? [] {
                let dependencies = sensor.dependencies.map { dependency -> EventValue in
                    let subject = dependency.subject(prefix: state.sensors?.subjectPrefix ?? "")
                    let durable = SensorSet.durableName(subject: subject)
                    var entry: EventMap = [
                        "name": .string(dependency.name), "subject": .string(subject), "consumer": .string(durable),
                        "bound": .bool(state.boundConsumers.contains(durable)),
                    ]
                    if let lag = state.lag[durable] { entry["lag"] = lag.json }
                    return .map(entry)
                }
                var triggers: [EventValue] = []
                for trigger in sensor.triggers {
                    var entry: EventMap = [
                        "name": .string(trigger.name), "kind": .string(trigger.kind.key),
                        "conditions": .string(trigger.conditions.description),
                        "pending": .array(
                            (state.pending[sensor.name]?[trigger.name] ?? []).map { .string($0.dependency) }),
                    ]
                    if let record = state.outcomes[sensor.name]?[trigger.name] {
                        entry["lastOutcome"] = .map([
                            "outcome": .string(record.outcome), "detail": .string(record.detail),
                            "events": .array(record.eventIDs.map(EventValue.string)), "at": .string(record.at.rfc3339),
                        ])
                    }
                    triggers.append(.map(entry))
                }
                sensors.append(
                    .map([
                        "name": .string(sensor.name), "dependencies": .array(dependencies),
                        "triggers": .array(triggers),
                    ]))
            }
            var root: EventMap = [
                "sensors": .array(sensors), "sensorFiles": .array((state.sensors?.files ?? []).map(EventValue.string)),
                "nats": .string(state.connection.map { "\($0.state)" } ?? "not connected"),
            ]
            let rejected = (state.sensors?.rejected ?? []).map { entry -> EventValue in
                var map: EventMap = [
                    "file": .string(entry.file), "findings": .array(entry.findings.map { .string($0.description) }),
                ]
                if let name = entry.name { map["name"] = .string(name) }
                return .map(map)
            }
            root["rejectedSensors"] = .array(rejected)
            if let error = state.lastReloadError { root["lastReloadError"] = .string(error) }
            root["eventSources"] = eventSources.status
            return .map(root)
        }
    }
}

/// The system clock, for correlation timestamps and `conditionsReset`.
public struct SystemClock: SensorClock {
    /// Creates the clock.
    public init() {}

    /// Now.
    public var now: EventTimestamp { .now() }
}
