import ConfigReader
public import EventModel
public import SensorEngine

/// A dependency whose event a trigger holds until its condition holds: which event, since when. Never the event's
/// data.
public struct HeldDependency: Sendable, Hashable {
    /// The dependency.
    public var dependency: String
    /// The held event's id.
    public var eventID: String
    /// When the correlation state stored it.
    public var since: EventTimestamp

    /// A held dependency.
    public init(dependency: String, eventID: String, since: EventTimestamp) {
        self.dependency = dependency
        self.eventID = eventID
        self.since = since
    }

    /// What `pending` says of its event.
    public init(_ pending: PendingEvent) {
        self.init(dependency: pending.dependency, eventID: pending.event.id, since: pending.storedAt)
    }
}

/// A trigger's firings since the gateway started: how many ended in each outcome, and how long their executions
/// took. Updated once per firing.
public struct TriggerActivity: Sendable, Hashable {
    /// Firings by outcome label (`succeeded`, `already_done`, `retryable`, `permanent`).
    public var outcomes: [String: Int] = [:]
    /// Executions measured.
    public var count = 0
    /// Their total duration.
    public var total = Duration.zero
    /// The longest.
    public var longest = Duration.zero

    /// No firing yet.
    public init() {}

    /// Adds a firing that ended in `outcome` after `duration`.
    public mutating func add(outcome: String, duration: Duration) {
        outcomes[outcome, default: 0] += 1
        count += 1
        total += duration
        longest = max(longest, duration)
    }

    /// The mean duration in milliseconds (0 before the first firing).
    public var meanMilliseconds: Double {
        count == 0 ? 0 : total.inSeconds * 1e3 / Double(count)
    }

    /// The longest duration in milliseconds.
    public var longestMilliseconds: Double { longest.inSeconds * 1e3 }
}
