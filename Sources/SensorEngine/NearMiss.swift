import ConfigReader
public import EventModel
import SensorLanguage
public import SensorModel

/// When no trigger fires, the dependency that came closest, for `explain`'s hint: a dependency that passed but whose
/// trigger's condition still waits, else the filtered dependency with the fewest failed filters, else the dependency
/// whose subject is nearest the event's.
public struct NearMiss: Sendable, Hashable {
    /// What kept the dependency from firing its trigger.
    public enum Reason: String, Sendable, Hashable {
        /// The event passed, and the condition waits for other dependencies.
        case condition
        /// The event reached the dependency and failed one of its filters.
        case filter
        /// No dependency takes the event: this one's subject (or source and event name) is the nearest.
        case subject
    }

    /// The sensor.
    public var sensor: String
    /// The dependency.
    public var dependency: String
    /// The trigger, for `condition` and `filter`.
    public var trigger: String?
    /// Which part missed.
    public var reason: Reason
    /// The hint for a person, naming what was expected and what the event had.
    public var message: String

    /// `{"sensor":…,"dependency":…,"trigger":…|null,"reason":…,"message":…}`.
    public var json: EventValue {
        .map([
            "sensor": .string(sensor), "dependency": .string(dependency),
            "trigger": trigger.map(EventValue.string) ?? .null,
            "reason": .string(reason.rawValue), "message": .string(message),
        ])
    }

    /// The closest miss, or `nil` when a trigger fires or there are no events or dependencies.
    /// - Parameters:
    ///   - explanations: ``Explainer/explain(sensors:events:subject:subjectPrefix:requests:)``'s result for `sensors`.
    ///   - sensors: the sensors explained.
    ///   - events: the events explained.
    ///   - subject: the subject the events arrived on, as given to `explain`.
    ///   - subjectPrefix: the prefix of derived dependency subjects.
    public static func find(
        in explanations: [SensorExplanation], sensors: [Sensor], events: [Event], subject: String?,
        subjectPrefix: String
    ) -> NearMiss? {
        guard !explanations.contains(where: { $0.triggers.contains(where: \.fires) }) else { return nil }
        return waitingCondition(explanations) ?? fewestFailedFilters(explanations)
            ?? nearestSubject(sensors: sensors, events: events, subject: subject, subjectPrefix: subjectPrefix)
    }

    private static func waitingCondition(_ explanations: [SensorExplanation]) -> NearMiss? {
        for sensor in explanations {
            for trigger in sensor.triggers {
                guard let held = trigger.matches.first(where: { $0.passed }) else { continue }
                return NearMiss(
                    sensor: sensor.name, dependency: held.dependency, trigger: trigger.name, reason: .condition,
                    message:
                        "sensor \(sensor.name) trigger \(trigger.name): dependency \(held.dependency) took event \(held.eventID), and the condition '\(trigger.condition)' waits for more (give each event with --event, in order)"
                )
            }
        }
        return nil
    }

    private static func fewestFailedFilters(_ explanations: [SensorExplanation]) -> NearMiss? {
        var best: (miss: NearMiss, failed: Int)?
        for sensor in explanations {
            for trigger in sensor.triggers {
                for match in trigger.matches where !match.passed {
                    let failed = trigger.filters.filter {
                        $0.dependency == match.dependency && $0.eventID == match.eventID && !$0.check.passed
                    }
                    guard best.map({ failed.count < $0.failed }) ?? true else { continue }
                    let described = failed.map { result in
                        let observed = result.check.observed.map { " (saw \(JSONText.render($0)))" } ?? ""
                        return "\(result.check.kind) \(result.check.filter)\(observed)"
                    }
                    let because = described.isEmpty ? match.errors : described
                    let miss = NearMiss(
                        sensor: sensor.name, dependency: match.dependency, trigger: trigger.name, reason: .filter,
                        message:
                            "sensor \(sensor.name) dependency \(match.dependency): event \(match.eventID) failed \(because.joined(separator: "; "))"
                    )
                    best = (miss, failed.count)
                }
            }
        }
        return best?.miss
    }

    private static func nearestSubject(sensors: [Sensor], events: [Event], subject: String?, subjectPrefix: String)
        -> NearMiss?
    {
        var best: (miss: NearMiss, distance: Int)?
        for event in events {
            for sensor in sensors {
                for dependency in sensor.dependencies {
                    let expected: String
                    let observed: String
                    if let subject {
                        expected = "subject '\(dependency.subject(prefix: subjectPrefix))'"
                        observed = "the events came on '\(subject)'"
                    } else {
                        expected =
                            "eventSourceName '\(dependency.eventSourceName)' and eventName '\(dependency.eventName)'"
                        observed = "event \(event.id) has source '\(event.source)' and subject '\(event.subject ?? "")'"
                    }
                    let distance =
                        subject.map { KeySuggestion.editDistance(dependency.subject(prefix: subjectPrefix), $0) }
                        ?? KeySuggestion.editDistance(dependency.eventSourceName, event.source)
                        + KeySuggestion.editDistance(dependency.eventName, event.subject ?? "")
                    guard best.map({ distance < $0.distance }) ?? true else { continue }
                    let miss = NearMiss(
                        sensor: sensor.name, dependency: dependency.name, trigger: nil, reason: .subject,
                        message:
                            "sensor \(sensor.name) dependency \(dependency.name) expects \(expected); \(observed)")
                    best = (miss, distance)
                }
            }
        }
        return best?.miss
    }
}
