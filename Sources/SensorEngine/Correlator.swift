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

/// A correlation decision with the events the trigger holds once it is stored.
public struct CorrelationOutcome: Sendable {
    /// The decision.
    public var decision: CorrelationDecision
    /// What the trigger holds after the decision, at most one event per dependency, ordered by dependency name;
    /// empty after a firing.
    public var held: [PendingEvent]

    /// An outcome.
    public init(_ decision: CorrelationDecision, held: [PendingEvent] = []) {
        self.decision = decision
        self.held = held
    }
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
        guard conditions.mentions(dependency) else { return .ignored }
        let resetAt = lastReset(atOrBefore: now)
        var events: [String: Event] = [:]
        for entry in pending where conditions.mentions(entry.dependency) {
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
/// share one store: a held event is never lost and a condition never fires twice. A firing is recorded in the same
/// write that clears the held events; call ``complete(firing:trigger:sensor:)`` once its outcome is final. Until
/// then, offering one of its events again (a redelivery) returns the same `.fire`, so the caller can finish what a
/// crash interrupted.
///
/// Changes to one trigger's state are committed in groups: while one write of the state is in flight, the changes
/// that arrive wait, then are applied one after the other, in arrival order, to the state that write left, and
/// stored in one write; each caller gets its result once that write is durable. Each decision is the one the changes
/// made one at a time would give; a flood of one dependency's events costs one write per group, holding the latest.
/// The correlator remembers the state and revision it last read or wrote, so a change needs no read before its
/// compare-and-set; a conflict (another process wrote) reads the state again and applies the group anew. A result
/// that writes nothing is confirmed by a read. Changes to different triggers run concurrently.
///
/// A trigger that ``Trigger/firesOnEachEvent`` fires at once with the event alone and touches no state: a
/// redelivered event fires it again, which the trigger's deterministic names make harmless.
public actor Correlator {
    /// What a change gives its caller.
    private enum ChangeResult: Sendable {
        case decision(CorrelationOutcome)
        case dropped(Int)
        case none
    }

    /// A change to a trigger's state: the new state (nil: no write) and the caller's result.
    private typealias Change = @Sendable (CorrelationState) -> (CorrelationState?, ChangeResult)

    /// What a waiting caller is told: the results of its changes, or that it commits the next group.
    private enum Turn: Sendable {
        case done(Result<[ChangeResult], any Error>)
        case lead([Waiting])
    }

    /// A caller's changes waiting for the write in flight of their trigger's state.
    private struct Waiting: Sendable {
        let changes: [Change]
        let continuation: CheckedContinuation<Turn, Never>?
    }

    /// An event offered to a trigger, one of several offered at once.
    public struct Offer: Sendable {
        /// The event, which passed `dependency`'s filters.
        public var event: Event
        /// The dependency's name.
        public var dependency: String
        /// The trigger.
        public var trigger: Trigger
        /// The sensor's name.
        public var sensor: String

        /// An offer.
        public init(_ event: Event, dependency: String, trigger: Trigger, sensor: String) {
            self.event = event
            self.dependency = dependency
            self.trigger = trigger
            self.sensor = sensor
        }
    }

    private let store: any CorrelationStore
    private let clock: any SensorClock
    private let maximumAttempts: Int
    /// Triggers whose state a group is being committed for.
    private var committing: Set<String> = []
    /// The changes waiting for each trigger's next group.
    private var waiting: [String: [Waiting]] = [:]
    /// The state and revision of each trigger last read or written here.
    private var known: [String: StoredCorrelation] = [:]

    /// Creates a correlator.
    /// - Parameters:
    ///   - store: where held events live.
    ///   - clock: the time used for storing and for `conditionsReset`.
    ///   - maximumAttempts: compare-and-set attempts per group of changes before ``CorrelationConflict`` is thrown.
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
        let result = try await update(sensor: sensor, trigger: trigger.name) { state in
            let fresh = state.pending.filter { $0.storedAt >= resetAt }
            guard fresh.count < state.pending.count else { return (nil, .dropped(0)) }
            var changed = state
            changed.pending = fresh
            return (changed, .dropped(state.pending.count - fresh.count))
        }
        guard case .dropped(let count) = result else { return 0 }
        return count
    }

    /// Offers an event that passed `dependency`'s filters to `trigger`.
    /// - Returns: the decision; on `.fire` the held events are cleared and the firing recorded, on `.hold` the event
    ///   is stored. A redelivered event of a recorded firing gives that `.fire` again; one consumed by a completed
    ///   firing gives `.duplicate`.
    /// - Throws: what the store throws, or ``CorrelationConflict`` when the state keeps changing; the state is then
    ///   unchanged.
    public nonisolated func offer(_ event: Event, dependency: String, trigger: Trigger, sensor: String) async throws
        -> CorrelationDecision
    {
        try await correlate(event, dependency: dependency, trigger: trigger, sensor: sensor).decision
    }

    /// ``offer(_:dependency:trigger:sensor:)``, with what the trigger holds once the decision is stored.
    /// - Throws: as ``offer(_:dependency:trigger:sensor:)``.
    public nonisolated func correlate(_ event: Event, dependency: String, trigger: Trigger, sensor: String)
        async throws -> CorrelationOutcome
    {
        let offer = Offer(event, dependency: dependency, trigger: trigger, sensor: sensor)
        if let outcome = Self.outcomeWithoutState(offer) { return outcome }
        let result = try await update(sensor: sensor, trigger: trigger.name, Self.change(offer, now: clock.now))
        return Self.outcome(result)
    }

    /// Offers several events at once: the changes to each trigger's state are committed together, in order, in one
    /// write (with the changes of other callers that wait for the same state), and different triggers' writes run
    /// concurrently.
    /// - Returns: each offer's outcome, in order; a store failure or a lasting conflict fails every offer to that
    ///   trigger, and leaves its state unchanged.
    public nonisolated func correlate(_ offers: [Offer]) async -> [Result<CorrelationOutcome, any Error>] {
        // Every offer is answered below; one that were not would fail (and be retried), never pass as ignored.
        var results = [Result<CorrelationOutcome, any Error>](
            repeating: .failure(MissingOutcome()), count: offers.count)
        // One group per trigger, in order of first appearance: the offers' indices and their changes.
        var groups: [(sensor: String, trigger: String, offers: [Int], changes: [Change])] = []
        var groupOfTrigger: [String: Int] = [:]
        let now = clock.now
        for (index, offer) in offers.enumerated() {
            if let outcome = Self.outcomeWithoutState(offer) {
                results[index] = .success(outcome)
                continue
            }
            let change = Self.change(offer, now: now)
            let key = "\(offer.sensor)\u{0}\(offer.trigger.name)"
            if let group = groupOfTrigger[key] {
                groups[group].offers.append(index)
                groups[group].changes.append(change)
            } else {
                groupOfTrigger[key] = groups.count
                groups.append((offer.sensor, offer.trigger.name, [index], [change]))
            }
        }
        let committed = await withTaskGroup(
            of: ([Int], Result<[ChangeResult], any Error>).self,
            returning: [([Int], Result<[ChangeResult], any Error>)].self
        ) { tasks in
            for group in groups {
                tasks.addTask {
                    do {
                        let changed = try await self.update(sensor: group.sensor, trigger: group.trigger, group.changes)
                        return (group.offers, .success(changed))
                    } catch {
                        return (group.offers, .failure(error))
                    }
                }
            }
            var committed: [([Int], Result<[ChangeResult], any Error>)] = []
            for await group in tasks { committed.append(group) }
            return committed
        }
        for (indices, result) in committed {
            switch result {
            case .success(let changeResults):
                for (index, changeResult) in zip(indices, changeResults) {
                    results[index] = .success(Self.outcome(changeResult))
                }
            case .failure(let error):
                for index in indices { results[index] = .failure(error) }
            }
        }
        return results
    }

    /// An offer a commit returned no result for.
    private struct MissingOutcome: Error {}

    /// The outcome of an offer that needs no state: the trigger does not name the dependency, or fires on each event.
    private static func outcomeWithoutState(_ offer: Offer) -> CorrelationOutcome? {
        guard offer.trigger.conditions.mentions(offer.dependency) else { return CorrelationOutcome(.ignored) }
        if offer.trigger.firesOnEachEvent { return CorrelationOutcome(.fire([offer.dependency: offer.event])) }
        return nil
    }

    /// The change an offer makes to its trigger's state.
    private static func change(_ offer: Offer, now: EventTimestamp) -> Change {
        let key = CorrelationState.key(dependency: offer.dependency, event: offer.event)
        return { state in
            let (changed, decision) = Self.offer(
                offer.event, key: key, dependency: offer.dependency, trigger: offer.trigger, sensor: offer.sensor,
                now: now, to: state)
            return (changed, .decision(CorrelationOutcome(decision, held: (changed ?? state).pending)))
        }
    }

    private static func outcome(_ result: ChangeResult) -> CorrelationOutcome {
        guard case .decision(let outcome) = result else { return CorrelationOutcome(.ignored) }
        return outcome
    }

    /// The state after offering `event` (nil: unchanged) and the decision.
    private static func offer(
        _ event: Event, key: String, dependency: String, trigger: Trigger, sensor: String, now: EventTimestamp,
        to state: CorrelationState
    ) -> (CorrelationState?, CorrelationDecision) {
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
                    FiringIdentity(sensor: sensor, trigger: trigger.name, events: events), events: events, firedAt: now)
            )
            changed.consumed.append(
                contentsOf: events.sorted { $0.key < $1.key }.map {
                    CorrelationState.key(dependency: $0.key, event: $0.value)
                })
            changed.consumed.removeFirst(max(0, changed.consumed.count - CorrelationState.consumedLimit))
            return (changed, decision)
        case .hold(let satisfied, _):
            if let resetAt = trigger.lastReset(atOrBefore: now) {
                changed.pending.removeAll { $0.storedAt < resetAt }
            }
            let held = changed.pending.count
            changed.pending.removeAll { $0.dependency == dependency }
            let evicted = held - changed.pending.count
            changed.pending.append(PendingEvent(dependency: dependency, event: event, storedAt: now))
            changed.pending.sort { $0.dependency < $1.dependency }
            return (changed, .hold(satisfied: satisfied, evicted: evicted))
        }
    }

    /// Forgets the recorded firing with ``FiringIdentity/id`` `id` once its outcome is final (succeeded, already
    /// done, or dead-lettered). A record is matched by the identity of its events, so one stored under an earlier
    /// derivation of the id is found as well.
    /// - Throws: what the store throws, or ``CorrelationConflict`` when the state keeps changing.
    public func complete(firing id: String, trigger: String, sensor: String) async throws {
        _ = try await update(sensor: sensor, trigger: trigger) { state in
            func matches(_ firing: Firing) -> Bool {
                firing.id == id || FiringIdentity(sensor: sensor, trigger: trigger, events: firing.events).id == id
            }
            guard state.firings.contains(where: matches) else { return (nil, .none) }
            var changed = state
            changed.firings.removeAll(where: matches)
            return (changed, .none)
        }
    }

    /// Applies `change` in the trigger's next group of changes and returns its result once the group is stored.
    private func update(sensor: String, trigger: String, _ change: @escaping Change) async throws -> ChangeResult {
        try await update(sensor: sensor, trigger: trigger, [change])[0]
    }

    /// Applies `changes`, in order, in the trigger's next group of changes and returns their results once the group
    /// is stored: this task commits the group when no write of the state is in flight, else waits for the one that
    /// is.
    private func update(sensor: String, trigger: String, _ changes: [Change]) async throws -> [ChangeResult] {
        let key = "\(sensor)\u{0}\(trigger)"
        var group: [Waiting]
        if committing.contains(key) {
            let turn = await withCheckedContinuation { continuation in
                waiting[key, default: []].append(Waiting(changes: changes, continuation: continuation))
            }
            switch turn {
            case .done(let result): return try result.get()
            case .lead(let handed): group = handed
            }
        } else {
            committing.insert(key)
            group = [Waiting(changes: changes, continuation: nil)]
        }
        // This task's changes are the group's first; the other callers get their results here.
        let results = await commit(group.flatMap(\.changes), key: key, sensor: sensor, trigger: trigger)
        var offset = group[0].changes.count
        for member in group.dropFirst() {
            let range = offset..<(offset + member.changes.count)
            member.continuation?.resume(returning: .done(results.map { Array($0[range]) }))
            offset = range.upperBound
        }
        if let next = waiting.removeValue(forKey: key), let first = next.first {
            first.continuation?.resume(returning: .lead(next))
        } else {
            committing.remove(key)
        }
        return try results.map { Array($0[0..<group[0].changes.count]) }.get()
    }

    /// Applies `changes` in order to the known state (or the stored one) and writes the result with one
    /// compare-and-set; on a conflict reads the state and applies them again. Without a write, the results stand
    /// only if computed on a state just read.
    private func commit(_ changes: [Change], key: String, sensor: String, trigger: String) async
        -> Result<[ChangeResult], any Error>
    {
        var attempt = 0
        var stored = known[key]
        var fresh = false
        while true {
            do {
                let base: StoredCorrelation
                if let stored {
                    base = stored
                } else {
                    base = try await store.load(sensor: sensor, trigger: trigger)
                    fresh = true
                    known[key] = base
                }
                var state = base.state
                var changed = false
                var results: [ChangeResult] = []
                for change in changes {
                    let (next, result) = change(state)
                    if let next {
                        state = next
                        changed = true
                    }
                    results.append(result)
                }
                guard changed else {
                    if fresh { return .success(results) }
                    stored = nil
                    continue
                }
                attempt += 1
                do {
                    let revision = try await store.save(
                        state, sensor: sensor, trigger: trigger, expectedRevision: base.revision)
                    known[key] = StoredCorrelation(state: state, revision: revision)
                    return .success(results)
                } catch let conflict as CorrelationConflict {
                    known[key] = nil
                    if attempt >= maximumAttempts { return .failure(conflict) }
                    stored = nil
                }
            } catch {
                // The write may or may not have been stored: the next change reads the state first.
                known[key] = nil
                return .failure(error)
            }
        }
    }
}
