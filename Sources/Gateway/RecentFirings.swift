import ConfigReader
public import EventModel

/// One executed firing, as `GET /api/firings` lists it. Holds what the outcome metrics and `/status` already show
/// (names, ids, outcome and its detail), never an event's data or a request.
public struct FiringRecord: Sendable, Hashable {
    /// The firing's ``FiringIdentity/id``.
    public var id: String
    /// The sensor.
    public var sensor: String
    /// The trigger.
    public var trigger: String
    /// The ids of the events the trigger fired with, ordered by dependency name.
    public var eventIDs: [String]
    /// The engine that executed it (`argo`, `kfp`, `k8s`, …).
    public var engine: String
    /// The route a `route` trigger took; empty otherwise.
    public var route: String
    /// `succeeded`, `already_done`, `retryable` or `permanent`.
    public var outcome: String
    /// The outcome's detail or reason.
    public var detail: String
    /// How long the execution took.
    public var duration: Duration
    /// When it finished.
    public var at: EventTimestamp
    /// The trace id when the firing was traced.
    public var traceID: String?

    /// A firing's record.
    public init(
        id: String, sensor: String, trigger: String, eventIDs: [String], engine: String, route: String,
        outcome: String, detail: String, duration: Duration, at: EventTimestamp, traceID: String?
    ) {
        self.id = id
        self.sensor = sensor
        self.trigger = trigger
        self.eventIDs = eventIDs
        self.engine = engine
        self.route = route
        self.outcome = outcome
        self.detail = detail
        self.duration = duration
        self.at = at
        self.traceID = traceID
    }

    /// The JSON form: `id`, `sensor`, `trigger`, `events`, `engine`, `route` (when routed), `outcome`, `detail`,
    /// `durationSeconds`, `at` (RFC 3339) and `traceID` (when traced).
    public var json: EventValue {
        var map: EventMap = [
            "id": .string(id), "sensor": .string(sensor), "trigger": .string(trigger),
            "events": .array(eventIDs.map(EventValue.string)), "engine": .string(engine),
            "outcome": .string(outcome), "detail": .string(detail), "durationSeconds": .double(duration.inSeconds),
            "at": .string(at.rfc3339),
        ]
        if !route.isEmpty { map["route"] = .string(route) }
        if let traceID { map["traceID"] = .string(traceID) }
        return .map(map)
    }
}

/// The latest firings, at most ``capacity``: a ring that overwrites its oldest entry, so recording costs the same
/// at any rate.
struct RecentFirings: Sendable {
    /// How many firings are kept.
    let capacity: Int
    private var slots: [FiringRecord] = []
    private var next = 0

    /// An empty ring of `capacity` (at least one).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        slots.reserveCapacity(self.capacity)
    }

    /// Keeps `record`, dropping the oldest when full.
    mutating func append(_ record: FiringRecord) {
        if slots.count < capacity {
            slots.append(record)
        } else {
            slots[next] = record
        }
        next = (next + 1) % capacity
    }

    /// The firings kept, newest first.
    var newestFirst: [FiringRecord] {
        guard slots.count == capacity else { return slots.reversed() }
        return Array((slots[next...] + slots[..<next]).reversed())
    }
}
