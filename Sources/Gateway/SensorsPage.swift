import ConfigReader
import EventModel
import SensorEngine
import SensorLanguage
import SensorModel
import Triggers

/// What `GET /api/sensors` renders beside the screening counts, read from ``GatewayState`` in one lock.
struct ConsoleView: Sendable {
    var sensors: SensorSet?
    var held: [String: [String: [HeldDependency]]]
    var lastOutcomes: [String: [String: GatewayState.OutcomeRecord]]
    var activity: [String: [String: TriggerActivity]]
    var lag: [String: GatewayMetrics.ConsumerLag]
}

/// `GET /api/sensors?offset=&limit=&q=`: one page of the running sensors, sorted by name, each dependency with its
/// subject, consumer, lag and screening counts, each trigger with its condition, held dependencies, outcomes and
/// latency; and the sensor documents that failed to load. Built on request from state the pipeline keeps anyway.
struct SensorsPage {
    /// The largest `limit`.
    static let maximumLimit = 500
    /// `limit` when the query names none.
    static let defaultLimit = 50

    /// Which sensors: `offset` and `limit` into those whose name contains `query` (in any letter case).
    var offset = 0
    var limit = defaultLimit
    var query = ""

    /// A refused query, answered 400 with `{"error": message}`.
    struct InvalidQuery: Error {
        let message: String
    }

    /// The page the query parameters ask for.
    /// - Throws: ``InvalidQuery`` when `offset` is not a whole number ≥ 0 or `limit` not one in 1…500.
    init(parameters: [String: String]) throws(InvalidQuery) {
        if let text = parameters["offset"] {
            guard let value = Int(text), value >= 0 else {
                throw InvalidQuery(message: "offset must be a whole number of at least 0, not \"\(text)\"")
            }
            offset = value
        }
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw InvalidQuery(
                    message: "limit must be a whole number from 1 to \(Self.maximumLimit), not \"\(text)\"")
            }
            limit = value
        }
        query = parameters["q"] ?? ""
    }

    /// The page's JSON, ages computed against `now`.
    func render(_ view: ConsoleView, sensorSet: SensorSet, screening: ScreeningCounters, now: EventTimestamp)
        -> EventValue
    {
        let needle = query.lowercased()
        let matching = sensorSet.sensors.filter { needle.isEmpty || $0.name.lowercased().contains(needle) }
            .sorted { ($0.name, $0.namespace ?? "") < ($1.name, $1.namespace ?? "") }
        let page = matching.dropFirst(offset).prefix(limit)
        let rejected = sensorSet.rejected.map { entry -> EventValue in
            var map: EventMap = [
                "file": .string(entry.file),
                "finding": .string(entry.findings.map(\.description).joined(separator: "\n")),
            ]
            if let name = entry.name { map["name"] = .string(name) }
            return .map(map)
        }
        return .map([
            "total": .int(Int64(matching.count)), "offset": .int(Int64(offset)), "limit": .int(Int64(limit)),
            "sensors": .array(
                page.map { sensor($0, view: view, prefix: sensorSet.subjectPrefix, screening: screening, now: now) }),
            "rejected": .array(rejected),
        ])
    }

    private func sensor(
        _ sensor: Sensor, view: ConsoleView, prefix: String, screening: ScreeningCounters, now: EventTimestamp
    ) -> EventValue {
        let dependencies = sensor.dependencies.map { dependency -> EventValue in
            let subject = dependency.subject(prefix: prefix)
            let consumer = SensorSet.durableName(subject: subject)
            let descriptions = dependency.filterDescriptions
            let counts =
                screening.current(sensor: sensor.name, dependency: dependency.name, filters: descriptions)
                ?? ScreeningCounts(filters: min(descriptions.count, FilterPositions.capacity))
            let filters = descriptions.enumerated().map { position, description -> EventValue in
                let tracked = position < counts.filtersPassed.count
                return .map([
                    "kind": .string(description.kind), "description": .string(description.text),
                    "passed": .int(Int64(tracked ? counts.filtersPassed[position] : 0)),
                    "rejected": .int(Int64(tracked ? counts.filtersRejected[position] : 0)),
                ])
            }
            return .map([
                "name": .string(dependency.name), "subject": .string(subject), "consumer": .string(consumer),
                "eventSourceName": .string(dependency.eventSourceName), "eventName": .string(dependency.eventName),
                "passed": .int(Int64(counts.passed)), "rejected": .int(Int64(counts.rejected)),
                "lag": view.lag[consumer]?.json ?? .null, "filters": .array(filters),
            ])
        }
        let triggers = sensor.triggers.map { trigger -> EventValue in
            let held = (view.held[sensor.name]?[trigger.name] ?? []).map { entry -> EventValue in
                .map([
                    "dependency": .string(entry.dependency), "eventId": .string(entry.eventID),
                    "since": .string(entry.since.rfc3339),
                    "ageSeconds": .double(Self.seconds(from: entry.since, to: now)),
                ])
            }
            let activity = view.activity[sensor.name]?[trigger.name]
            var outcomes = EventMap()
            for (label, count) in (activity?.outcomes ?? [:]).sorted(by: { $0.key < $1.key }) {
                outcomes[label] = .int(Int64(count))
            }
            let last = view.lastOutcomes[sensor.name]?[trigger.name].map { record -> EventValue in
                .map([
                    "outcome": .string(record.outcome), "at": .string(record.at.rfc3339),
                    "detail": .string(record.detail),
                ])
            }
            let latency = activity.map { activity -> EventValue in
                .map([
                    "count": .int(Int64(activity.count)), "meanMs": .double(activity.meanMilliseconds),
                    "maxMs": .double(activity.longestMilliseconds),
                ])
            }
            return .map([
                "name": .string(trigger.name), "condition": .string(trigger.conditions.description),
                "engine": .string(trigger.kind.key == "route" ? "route" : TriggerExecutor.engine(of: trigger.kind)),
                "held": .array(held), "outcomes": .map(outcomes), "last": last ?? .null, "latency": latency ?? .null,
            ])
        }
        return .map([
            "name": .string(sensor.name), "file": .string(sensor.location.file), "dependencies": .array(dependencies),
            "triggers": .array(triggers),
        ])
    }

    /// Seconds from `start` to `end`, at least 0 (the clocks of replicas differ).
    private static func seconds(from start: EventTimestamp, to end: EventTimestamp) -> Double {
        let seconds = Double(end.seconds - start.seconds) + (Double(end.nanoseconds) - Double(start.nanoseconds)) / 1e9
        return max(0, seconds)
    }
}

extension GatewayMetrics.ConsumerLag {
    /// `{"pending", "ackPending", "redelivered"}`.
    var json: EventValue {
        .map([
            "pending": .int(Int64(clamping: pending)), "ackPending": .int(ackPending), "redelivered": .int(redelivered),
        ])
    }
}
