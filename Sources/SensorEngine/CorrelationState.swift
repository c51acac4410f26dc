public import EventModel

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

/// A firing whose trigger outcome is not final yet: recorded in the same write that clears the held events, so a
/// crash between the write and the trigger loses nothing (the redelivered event finds the firing and resumes it)
/// and nothing fires twice.
public struct Firing: Sendable, Hashable {
    /// The firing's ``FiringIdentity/id``.
    public var id: String
    /// The events the trigger fired with, by dependency name.
    public var events: [String: Event]
    /// When it fired (by the injected clock).
    public var firedAt: EventTimestamp

    /// Creates a record.
    public init(id: String, events: [String: Event], firedAt: EventTimestamp) {
        self.id = id
        self.events = events
        self.firedAt = firedAt
    }

    /// Creates the record of `identity`'s firing.
    public init(_ identity: FiringIdentity, events: [String: Event], firedAt: EventTimestamp) {
        self.init(id: identity.id, events: events, firedAt: firedAt)
    }
}

/// Everything remembered for one trigger of one sensor.
public struct CorrelationState: Sendable, Hashable {
    /// How many consumed event keys are remembered (the oldest are forgotten first).
    public static let consumedLimit = 256

    /// Held events, at most one per dependency, ordered by dependency name.
    public var pending: [PendingEvent]
    /// Firings whose outcome is not final yet (see ``Correlator/complete(firing:trigger:sensor:)``).
    public var firings: [Firing]
    /// Keys (``CorrelationState/key(dependency:event:)``) of events recently consumed by a firing, oldest first: a
    /// redelivered copy is recognised and not held again.
    public var consumed: [String]

    /// Creates a state.
    public init(pending: [PendingEvent] = [], firings: [Firing] = [], consumed: [String] = []) {
        self.pending = pending
        self.firings = firings
        self.consumed = consumed
    }

    /// Whether nothing is held or in flight (the store may delete the entry).
    public var isEmpty: Bool { pending.isEmpty && firings.isEmpty && consumed.isEmpty }

    /// The key identifying `event` as delivered to `dependency` (CloudEvents make `source` + `id` unique): 16 hex
    /// digits of SHA-256, so the remembered keys stay small whatever the ids; unique enough among the
    /// ``consumedLimit`` keys one trigger remembers.
    public static func key(dependency: String, event: Event) -> String {
        StableDigest.hex(["sensor-gateway.io/consumed/v1", dependency, event.source, event.id], digits: 16)
    }
}

/// A trigger's state as stored, with the revision a compare-and-set write must name.
public struct StoredCorrelation: Sendable, Hashable {
    /// The state (empty when nothing is stored).
    public var state: CorrelationState
    /// The store's revision of it; 0 when nothing is stored.
    public var revision: UInt64

    /// Creates a value.
    public init(state: CorrelationState, revision: UInt64) {
        self.state = state
        self.revision = revision
    }
}
