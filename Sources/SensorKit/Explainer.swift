public import EventModel

/// What `explain` found for one trigger.
public struct TriggerExplanation: Sendable {
    /// One filter applied to one event for one dependency.
    public struct FilterResult: Sendable {
        /// The dependency whose filter it is.
        public var dependency: String
        /// The event's id.
        public var eventID: String
        /// The check.
        public var check: FilterCheck
    }

    /// How one event met one of the trigger's dependencies.
    public struct DependencyMatch: Sendable {
        /// The dependency.
        public var dependency: String
        /// The event's id.
        public var eventID: String
        /// Whether the event passed the dependency's filters.
        public var passed: Bool
        /// Filter errors, as Argo Events joins them.
        public var errors: [String]
        /// What correlation made of it: `fired`, `held` or `filtered`.
        public var outcome: String
    }

    /// The trigger's name.
    public var name: String
    /// The condition, as parsed.
    public var condition: String
    /// Whether the trigger fired.
    public var fires: Bool
    /// Each event that reached one of the trigger's dependencies.
    public var matches: [DependencyMatch]
    /// Every filter evaluated.
    public var filters: [FilterResult]
    /// The dependencies the trigger fired with (the last firing).
    public var firedWith: [String]
    /// The action of the last firing.
    public var action: TriggerAction?
    /// Why no action could be built, if the trigger fired but its parameters failed.
    public var error: String?
}

/// What `explain` found for one sensor.
public struct SensorExplanation: Sendable {
    /// The sensor's name.
    public var name: String
    /// One entry per trigger.
    public var triggers: [TriggerExplanation]
}

/// Runs events through sensors without side effects, recording every step: the engine behind
/// `sensor-gateway explain`.
public enum Explainer {
    /// Explains what `sensors` would do with `events`, fed in order (so `a && b` can fire on two events).
    /// - Parameters:
    ///   - sensors: loaded sensors.
    ///   - events: the events, in arrival order.
    ///   - subject: the NATS subject the events arrived on; when set, dependencies match by subject, otherwise by
    ///     CloudEvent `source`/`subject` as Argo Events routes.
    ///   - subjectPrefix: the prefix of derived dependency subjects.
    public static func explain(sensors: [Sensor], events: [Event], subject: String?, subjectPrefix: String)
        -> [SensorExplanation]
    {
        sensors.map { sensor in
            SensorExplanation(
                name: sensor.name,
                triggers: sensor.triggers.map {
                    explain($0, of: sensor, events: events, subject: subject, subjectPrefix: subjectPrefix)
                })
        }
    }

    static func explain(_ trigger: Trigger, of sensor: Sensor, events: [Event], subject: String?, subjectPrefix: String)
        -> TriggerExplanation
    {
        var explanation = TriggerExplanation(
            name: trigger.name, condition: trigger.conditions.description, fires: false, matches: [], filters: [],
            firedWith: [],
            action: nil, error: nil)
        var pending: [PendingEvent] = []
        for event in events {
            let now = event.time ?? EventTimestamp(seconds: 0)
            for dependencyName in trigger.dependencyNames {
                guard let dependency = sensor.dependency(named: dependencyName) else { continue }
                let routed =
                    subject.map { dependency.subject(prefix: subjectPrefix) == $0 } ?? dependency.accepts(event)
                guard routed else { continue }
                var verdict = FilterVerdict(passed: true, errors: [], checks: [])
                if let filters = dependency.filters {
                    verdict = filters.evaluate(event, operation: dependency.filtersLogicalOperator)
                }
                explanation.filters += verdict.checks.map {
                    TriggerExplanation.FilterResult(dependency: dependency.name, eventID: event.id, check: $0)
                }
                var match = TriggerExplanation.DependencyMatch(
                    dependency: dependency.name, eventID: event.id, passed: verdict.passed, errors: verdict.errors,
                    outcome: "filtered")
                if verdict.passed {
                    switch trigger.correlate(event, dependency: dependency.name, pending: pending, now: now) {
                    case .ignored, .duplicate:
                        break
                    case .fire(let fired):
                        match.outcome = "fired"
                        pending = []
                        explanation.fires = true
                        explanation.firedWith = fired.keys.sorted()
                        do {
                            explanation.action = try trigger.action(events: fired, sensor: sensor)
                            explanation.error = nil
                        } catch {
                            explanation.action = nil
                            explanation.error = error.description
                        }
                    case .hold:
                        match.outcome = "held"
                        pending.removeAll { $0.dependency == dependency.name }
                        pending.append(PendingEvent(dependency: dependency.name, event: event, storedAt: now))
                    }
                }
                explanation.matches.append(match)
            }
        }
        return explanation
    }

    /// The JSON form: `{"sensors":[{"name":…,"triggers":[{"name":…,"fires":…,"dependencies":[…],
    /// "filters":[{"dependency":…,"filter":…,"passed":…,"observed":…}],"request":{…}|null}]}]}`.
    ///
    /// `dependencies` lists the trigger's dependencies that received an event; each filter also carries
    /// `kind`, `event` and, when it failed to evaluate, `error`.
    public static func json(_ sensors: [SensorExplanation]) -> String {
        let document = EventValue.map([
            "sensors": .array(
                sensors.map { sensor in
                    .map([
                        "name": .string(sensor.name),
                        "triggers": .array(
                            sensor.triggers.map { trigger in
                                var entry: EventMap = [
                                    "name": .string(trigger.name),
                                    "fires": .bool(trigger.fires),
                                    "dependencies": .array(
                                        unique(trigger.matches.map(\.dependency)).map(EventValue.string)),
                                    "filters": .array(
                                        trigger.filters.map { result in
                                            var filter: EventMap = [
                                                "dependency": .string(result.dependency),
                                                "filter": .string(result.check.filter),
                                                "passed": .bool(result.check.passed),
                                                "observed": result.check.observed ?? .null,
                                                "kind": .string(result.check.kind),
                                                "event": .string(result.eventID),
                                            ]
                                            if let error = result.check.error { filter["error"] = .string(error) }
                                            return .map(filter)
                                        }),
                                    "request": trigger.action.flatMap { $0.engine == .log ? nil : $0.json } ?? .null,
                                    "condition": .string(trigger.condition),
                                ]
                                if let error = trigger.error { entry["error"] = .string(error) }
                                return .map(entry)
                            }),
                    ])
                })
        ])
        return JSONText.render(document)
    }

    /// The text form, for people.
    public static func text(_ sensors: [SensorExplanation]) -> String {
        var out = ""
        for sensor in sensors {
            out += "sensor \(sensor.name)\n"
            for trigger in sensor.triggers {
                out +=
                    "  trigger \(trigger.name): \(trigger.fires ? "FIRES" : "does not fire") (conditions: \(trigger.condition))\n"
                if trigger.matches.isEmpty { out += "    no event matched its dependencies\n" }
                for match in trigger.matches {
                    out += "    event \(match.eventID) -> dependency \(match.dependency): "
                    out += match.passed ? "filters passed, \(match.outcome)\n" : "filtered out\n"
                    for result in trigger.filters
                    where result.dependency == match.dependency && result.eventID == match.eventID {
                        let verdict =
                            result.check.error.map { "error: \($0)" } ?? (result.check.passed ? "passed" : "failed")
                        let observed = result.check.observed.map { " (saw \(JSONText.render($0)))" } ?? ""
                        out += "      \(result.check.kind) \(result.check.filter): \(verdict)\(observed)\n"
                    }
                    for error in match.errors { out += "      error: \(error)\n" }
                }
                if trigger.fires {
                    out += "    fired with: \(trigger.firedWith.joined(separator: ", "))\n"
                }
                if let action = trigger.action {
                    out += "    request: " + describe(action) + "\n"
                }
                if let error = trigger.error { out += "    error: \(error)\n" }
            }
        }
        return out
    }

    private static func describe(_ action: TriggerAction) -> String {
        var line: String
        switch action.engine {
        case .argo: line = "\(action.method ?? "POST") {argo.server}\(action.path ?? "")"
        case .http: line = "\(action.method ?? "POST") \(action.url ?? "")"
        case .nats: line = "NATS publish \(action.subject ?? "") on \(action.url ?? "")"
        case .log: return "log the events"
        case .kubeflow: line = "Kubeflow Pipelines run \(action.method ?? "POST") {kubeflow.host}\(action.path ?? "")"
        case .route: line = "send the events through the routing matrix (sensor-gateway route shows where each goes)"
        }
        for (name, value) in action.headers.sorted(by: { $0.key < $1.key }) { line += "\n      \(name): \(value)" }
        switch action.body {
        case .json(let value): line += "\n      " + JSONText.render(value)
        case .text(let text): line += "\n      " + text
        case nil: break
        }
        return line
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
