public import EventModel
import SensorLanguage
public import SensorModel

/// What a trigger does with an event that passed a dependency's filters.
public enum CorrelationDecision: Sendable, Hashable {
    /// The dependency is not named in the trigger's conditions.
    case ignored
    /// The condition holds: fire with these events (latest per dependency), then clear the trigger's state.
    case fire([String: Event])
    /// The condition does not hold yet: hold the event; `satisfied` lists the dependencies now held. A trigger holds
    /// at most one event per dependency (the latest wins, as in Argo Events), so a flood of unmatched
    /// half-correlations never grows its state: `evicted` is 1 when this event replaced an older held event of the
    /// same dependency (which was acknowledged when it was held, and is now dropped), else 0.
    case hold(satisfied: [String], evicted: Int = 0)
    /// The event was already consumed by an earlier firing (a redelivered copy): nothing to do.
    case duplicate
}

extension Trigger {
    /// Whether every dependency of the conditions satisfies them alone (one dependency, or only `||`): such a
    /// trigger fires on each event with that event only and never holds anything, so it needs no correlation state.
    public var firesOnEachEvent: Bool {
        conditions.names.allSatisfy { conditions.holds(satisfied: [$0]) }
    }

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
/// Every change is a compare-and-set on the store, retried on conflict, so several correlators (processes) may
/// share one store: a held event is never lost and a condition never fires twice. Within one correlator, changes
/// to one trigger's state run one at a time (they would only conflict with each other). A firing is recorded in the
/// same write that clears the held events; call ``complete(firing:trigger:sensor:)`` once its outcome is final.
/// Until then, offering one of its events again (a redelivery) returns the same `.fire`, so the caller can finish
/// what a crash interrupted.
///
/// A trigger that ``Trigger/firesOnEachEvent`` fires at once with the event alone and touches no state: a
/// redelivered event fires it again, which the trigger's deterministic names make harmless.
public actor Correlator {
    private let store: any CorrelationStore
    private let clock: any SensorClock
    private let maximumAttempts: Int
    /// Triggers whose state a change is being made to, and the changes waiting for each.
    private var busy: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Creates a correlator.
    /// - Parameters:
    ///   - store: where held events live.
    ///   - clock: the time used for storing and for `conditionsReset`.
    ///   - maximumAttempts: compare-and-set attempts per change before ``CorrelationConflict`` is thrown.
    public init(store: any CorrelationStore, clock: any SensorClock, maximumAttempts: Int = 32) {
        self.store = store
        self.clock = clock
        self.maximumAttempts = max(1, maximumAttempts)
    }

    /// The trigger's stored state.
    /// - Throws: what the store throws.
    public func state(trigger: String, sensor: String) async throws -> CorrelationState {
        try await store.load(sensor: sensor, trigger: trigger).state
    }

    /// Drops the events held for `trigger` before its last `conditionsReset` tick (what Argo Events does on each
    /// tick and on resubscribe).
    /// - Returns: the number of held events dropped.
    /// - Throws: what the store throws, or ``CorrelationConflict`` when the state keeps changing.
    @discardableResult
    public func resetIfDue(trigger: Trigger, sensor: String) async throws -> Int {
        guard let resetAt = trigger.lastReset(atOrBefore: clock.now) else { return 0 }
        return try await update(sensor: sensor, trigger: trigger.name) { state in
            let fresh = state.pending.filter { $0.storedAt >= resetAt }
            guard fresh.count < state.pending.count else { return (nil, 0) }
            var changed = state
            changed.pending = fresh
            return (changed, state.pending.count - fresh.count)
        }
    }

    /// Offers an event that passed `dependency`'s filters to `trigger`.
    /// - Returns: the decision; on `.fire` the held events are cleared and the firing recorded, on `.hold` the event
    ///   is stored. A redelivered event of a recorded firing gives that `.fire` again; one consumed by a completed
    ///   firing gives `.duplicate`.
    /// - Throws: what the store throws, or ``CorrelationConflict`` when the state keeps changing; the state is then
    ///   unchanged.
    public func offer(_ event: Event, dependency: String, trigger: Trigger, sensor: String) async throws
        -> CorrelationDecision
    {
        guard trigger.conditions.names.contains(dependency) else { return .ignored }
        if trigger.firesOnEachEvent { return .fire([dependency: event]) }
        let now = clock.now
        let key = CorrelationState.key(dependency: dependency, event: event)
        return try await update(sensor: sensor, trigger: trigger.name) { state in
            if let firing = state.firings.first(where: { firing in
                firing.events[dependency].map { CorrelationState.key(dependency: dependency, event: $0) } == key
            }) {
                return (nil, .fire(firing.events))
            }
            if state.consumed.contains(key) { return (nil, .duplicate) }
            if state.pending.contains(where: { $0.dependency == dependency && $0.event == event }) {
                return (nil, .hold(satisfied: state.pending.map(\.dependency)))
            }
            let decision = trigger.correlate(event, dependency: dependency, pending: state.pending, now: now)
            var changed = state
            switch decision {
            case .ignored, .duplicate:
                return (nil, decision)
            case .fire(let events):
                changed.pending = []
                changed.firings.append(
                    Firing(
                        FiringIdentity(sensor: sensor, trigger: trigger.name, events: events), events: events,
                        firedAt: now))
                changed.consumed.append(
                    contentsOf: events.sorted { $0.key < $1.key }.map {
                        CorrelationState.key(dependency: $0.key, event: $0.value)
                    })
                changed.consumed.removeFirst(max(0, changed.consumed.count - CorrelationState.consumedLimit))
            case .hold:
                if let resetAt = trigger.lastReset(atOrBefore: now) {
                    changed.pending.removeAll { $0.storedAt < resetAt }
                }
                let held = changed.pending.count
                changed.pending.removeAll { $0.dependency == dependency }
                let evicted = held - changed.pending.count
                changed.pending.append(PendingEvent(dependency: dependency, event: event, storedAt: now))
                changed.pending.sort { $0.dependency < $1.dependency }
                if case .hold(let satisfied, _) = decision {
                    return (changed, .hold(satisfied: satisfied, evicted: evicted))
                }
            }
            return (changed, decision)
        }
    }

    /// Forgets the recorded firing with ``FiringIdentity/id`` `id` once its outcome is final (succeeded, already
    /// done, or dead-lettered). A record is matched by the identity of its events, so one stored under an earlier
    /// derivation of the id is found as well.
    /// - Throws: what the store throws, or ``CorrelationConflict`` when the state keeps changing.
    public func complete(firing id: String, trigger: String, sensor: String) async throws {
        try await update(sensor: sensor, trigger: trigger) { state in
            func matches(_ firing: Firing) -> Bool {
                firing.id == id || FiringIdentity(sensor: sensor, trigger: trigger, events: firing.events).id == id
            }
            guard state.firings.contains(where: matches) else { return (nil, ()) }
            var changed = state
            changed.firings.removeAll(where: matches)
            return (changed, ())
        }
    }

    /// Read, decide, compare-and-set; again from the read on a conflict. `change` returns the new state (nil: no
    /// write) and the result.
    private func update<Result: Sendable>(
        sensor: String, trigger: String, _ change: (CorrelationState) -> (CorrelationState?, Result)
    ) async throws -> Result {
        let lock = "\(sensor)\u{0}\(trigger)"
        await acquire(lock)
        defer { release(lock) }
        var attempt = 0
        while true {
            attempt += 1
            let stored = try await store.load(sensor: sensor, trigger: trigger)
            let (changed, result) = change(stored.state)
            guard let changed else { return result }
            do {
                _ = try await store.save(changed, sensor: sensor, trigger: trigger, expectedRevision: stored.revision)
                return result
            } catch let conflict as CorrelationConflict {
                if attempt >= maximumAttempts { throw conflict }
            }
        }
    }

    /// Waits until no other change to `key`'s state runs here, then marks it running.
    private func acquire(_ key: String) async {
        guard busy[key] != nil else {
            busy[key] = []
            return
        }
        await withCheckedContinuation { busy[key, default: []].append($0) }
    }

    /// Hands `key` to the next waiting change, or marks it free.
    private func release(_ key: String) {
        guard var waiting = busy[key], !waiting.isEmpty else {
            busy[key] = nil
            return
        }
        let next = waiting.removeFirst()
        busy[key] = waiting
        next.resume()
    }
}
