/// A compare-and-set write that lost: the state changed since it was read.
public struct CorrelationConflict: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sensor.
    public var sensor: String
    /// The trigger.
    public var trigger: String
    /// The revision the write expected.
    public var expectedRevision: UInt64

    /// Creates an error.
    public init(sensor: String, trigger: String, expectedRevision: UInt64) {
        self.sensor = sensor
        self.trigger = trigger
        self.expectedRevision = expectedRevision
    }

    /// A log-ready description.
    public var description: String {
        "correlation state of \(sensor)/\(trigger) changed since revision \(expectedRevision)"
    }
}

/// Where correlation state lives: in memory here, in a JetStream KV bucket in the daemon.
///
/// Read-modify-write with revisions: ``save(_:sensor:trigger:expectedRevision:)`` succeeds only if nothing was
/// written since the ``load(sensor:trigger:)`` that returned `expectedRevision`, so several processes can share a
/// store and never both act on the same held events.
public protocol CorrelationStore: Sendable {
    /// The trigger's state and its revision (an empty state at revision 0 when nothing is stored).
    func load(sensor: String, trigger: String) async throws -> StoredCorrelation
    /// Stores `state` if the stored revision is still `expectedRevision` (0: nothing stored).
    /// - Returns: the new revision.
    /// - Throws: ``CorrelationConflict`` when another write came first; the store's own errors otherwise.
    func save(_ state: CorrelationState, sensor: String, trigger: String, expectedRevision: UInt64) async throws
        -> UInt64
}

/// A ``CorrelationStore`` in process memory.
public actor InMemoryCorrelationStore: CorrelationStore {
    private var entries: [String: StoredCorrelation] = [:]
    private var lastRevision: UInt64 = 0

    /// Creates an empty store.
    public init() {}

    /// The trigger's state and revision.
    public func load(sensor: String, trigger: String) -> StoredCorrelation {
        entries[Self.key(sensor, trigger)] ?? StoredCorrelation(state: CorrelationState(), revision: 0)
    }

    /// Stores `state` if the revision is still `expectedRevision`.
    /// - Throws: ``CorrelationConflict`` otherwise.
    public func save(_ state: CorrelationState, sensor: String, trigger: String, expectedRevision: UInt64) throws
        -> UInt64
    {
        let key = Self.key(sensor, trigger)
        guard (entries[key]?.revision ?? 0) == expectedRevision else {
            throw CorrelationConflict(sensor: sensor, trigger: trigger, expectedRevision: expectedRevision)
        }
        lastRevision += 1
        entries[key] = StoredCorrelation(state: state, revision: lastRevision)
        return lastRevision
    }

    private static func key(_ sensor: String, _ trigger: String) -> String { sensor + "\u{0}" + trigger }
}
