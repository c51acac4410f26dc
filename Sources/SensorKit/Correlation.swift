public import EventModel

/// The current time, injected wherever SensorKit needs it (correlation resets). The daemon passes a system
/// clock; tests and `explain` pass fixed ones.
public protocol SensorClock: Sendable {
    /// Now.
    var now: EventTimestamp { get }
}

/// A clock that always says the same instant.
public struct FixedClock: SensorClock {
    /// The instant.
    public var now: EventTimestamp

    /// Creates a clock stopped at `now`.
    public init(_ now: EventTimestamp) {
        self.now = now
    }
}

/// An event held for a trigger until its condition holds.
public struct PendingEvent: Sendable, Hashable {
    /// The dependency the event satisfied.
    public var dependency: String
    /// The event.
    public var event: Event
    /// When it was stored (by the injected clock).
    public var storedAt: EventTimestamp

    /// Creates a pending entry.
    public init(dependency: String, event: Event, storedAt: EventTimestamp) {
        self.dependency = dependency
        self.event = event
        self.storedAt = storedAt
    }
}

/// Where correlation state lives: in memory here, in JetStream KV in the daemon (keys `<trigger>/<dependency>`,
/// as Argo Events lays them out).
///
/// Calls for one (sensor, trigger) come from one ``Correlator`` at a time, so implementations need no
/// compare-and-set between `pending` and `store`.
public protocol CorrelationStore: Sendable {
    /// Every event held for the trigger, at most one per dependency.
    func pending(sensor: String, trigger: String) async throws -> [PendingEvent]
    /// Holds `event`, replacing any earlier event of the same dependency (the latest wins).
    func store(_ event: PendingEvent, sensor: String, trigger: String) async throws
    /// Drops everything held for the trigger.
    func clear(sensor: String, trigger: String) async throws
}

/// A ``CorrelationStore`` in process memory.
public actor InMemoryCorrelationStore: CorrelationStore {
    private var entries: [String: [String: PendingEvent]] = [:]

    /// Creates an empty store.
    public init() {}

    /// Every event held for the trigger, ordered by dependency name.
    public func pending(sensor: String, trigger: String) -> [PendingEvent] {
        (entries[Self.key(sensor, trigger)] ?? [:]).values.sorted { $0.dependency < $1.dependency }
    }

    /// Holds `event`, replacing any earlier event of the same dependency.
    public func store(_ event: PendingEvent, sensor: String, trigger: String) {
        entries[Self.key(sensor, trigger), default: [:]][event.dependency] = event
    }

    /// Drops everything held for the trigger.
    public func clear(sensor: String, trigger: String) {
        entries[Self.key(sensor, trigger)] = nil
    }

    private static func key(_ sensor: String, _ trigger: String) -> String { sensor + "\u{0}" + trigger }
}

/// What a trigger does with an event that passed a dependency's filters.
public enum CorrelationDecision: Sendable, Hashable {
    /// The dependency is not named in the trigger's conditions.
    case ignored
    /// The condition holds: fire with these events (latest per dependency), then clear the trigger's state.
    case fire([String: Event])
    /// The condition does not hold yet: hold the event; `satisfied` lists the dependencies now held.
    case hold(satisfied: [String])
}

extension Trigger {
    /// The last `conditionsReset` tick at or before `now`, if the trigger has a reset schedule.
    public func lastReset(atOrBefore now: EventTimestamp) -> EventTimestamp? {
        conditionsReset.compactMap { $0.previousTick(atOrBefore: now) }.max()
    }

    /// The first `conditionsReset` tick after `instant`, when the daemon should call ``Correlator/resetIfDue(trigger:sensor:)``.
    public func nextReset(after instant: EventTimestamp) -> EventTimestamp? {
        conditionsReset.compactMap { $0.nextTick(after: instant) }.min()
    }

    /// Argo Events' correlation rule, as a pure function.
    ///
    /// Held events stored before the last `conditionsReset` tick no longer count. The condition is evaluated with
    /// the held dependencies and this one set; if it holds, the trigger fires with the latest event of each.
    /// - Parameters:
    ///   - event: the event, which passed `dependency`'s filters.
    ///   - dependency: the dependency's name.
    ///   - pending: what the store holds for this trigger.
    ///   - now: the injected clock's time.
    public func correlate(_ event: Event, dependency: String, pending: [PendingEvent], now: EventTimestamp)
        -> CorrelationDecision
    {
        guard conditions.names.contains(dependency) else { return .ignored }
        let resetAt = lastReset(atOrBefore: now)
        var events: [String: Event] = [:]
        for entry in pending where conditions.names.contains(entry.dependency) {
            if let resetAt, entry.storedAt < resetAt { continue }
            events[entry.dependency] = entry.event
        }
        events[dependency] = event
        if conditions.holds(satisfied: Set(events.keys)) { return .fire(events) }
        return .hold(satisfied: events.keys.sorted())
    }
}

/// The correlation state machine over a store: holds dependency events until a trigger's condition holds,
/// fires once with the latest event of each dependency, then resets.
///
/// An actor, so the read-decide-write of one offer never interleaves with another on the same instance.
public actor Correlator {
    private let store: any CorrelationStore
    private let clock: any SensorClock

    /// Creates a correlator.
    /// - Parameters:
    ///   - store: where held events live.
    ///   - clock: the time used for storing and for `conditionsReset`.
    public init(store: any CorrelationStore, clock: any SensorClock) {
        self.store = store
        self.clock = clock
    }

    /// Drops the events held for `trigger` before its last `conditionsReset` tick (what Argo Events does on each
    /// tick and on resubscribe).
    /// - Returns: the number of held events dropped.
    @discardableResult
    public func resetIfDue(trigger: Trigger, sensor: String) async throws -> Int {
        guard let resetAt = trigger.lastReset(atOrBefore: clock.now) else { return 0 }
        let pending = try await store.pending(sensor: sensor, trigger: trigger.name)
        let fresh = pending.filter { $0.storedAt >= resetAt }
        guard fresh.count < pending.count else { return 0 }
        try await store.clear(sensor: sensor, trigger: trigger.name)
        for entry in fresh { try await store.store(entry, sensor: sensor, trigger: trigger.name) }
        return pending.count - fresh.count
    }

    /// Offers an event that passed `dependency`'s filters to `trigger`.
    /// - Returns: the decision; on `.fire` the trigger's state is already cleared, on `.hold` the event is stored.
    /// - Throws: what the store throws; state is then unchanged or, at worst, the event is not held.
    public func offer(_ event: Event, dependency: String, trigger: Trigger, sensor: String) async throws
        -> CorrelationDecision
    {
        guard trigger.conditions.names.contains(dependency) else { return .ignored }
        let now = clock.now
        let pending = try await store.pending(sensor: sensor, trigger: trigger.name)
        let decision = trigger.correlate(event, dependency: dependency, pending: pending, now: now)
        switch decision {
        case .ignored:
            break
        case .fire:
            try await store.clear(sensor: sensor, trigger: trigger.name)
        case .hold:
            if let resetAt = trigger.lastReset(atOrBefore: now), pending.contains(where: { $0.storedAt < resetAt }) {
                try await store.clear(sensor: sensor, trigger: trigger.name)
                for entry in pending where entry.storedAt >= resetAt {
                    try await store.store(entry, sensor: sensor, trigger: trigger.name)
                }
            }
            try await store.store(
                PendingEvent(dependency: dependency, event: event, storedAt: now), sensor: sensor, trigger: trigger.name
            )
        }
        return decision
    }
}
