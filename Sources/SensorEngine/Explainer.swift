import ConfigReader
public import EventModel
import SensorLanguage
public import SensorModel

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
    /// The action of the last firing, as the engine resolves it.
    public var action: TriggerAction?
    /// The request of the last firing, as `explain` prints it: the injected ``RequestPreviewing``'s, or the
    /// action's own.
    public var request: RequestPreview?
    /// Why no request could be built, if the trigger fired but its parameters failed or the executor would refuse
    /// it.
    public var error: String?

    /// Records the last firing's action and request (or why there is none).
    mutating func recordFiring(
        _ trigger: Trigger, sensor: Sensor, events: [String: Event], requests: (any RequestPreviewing)?
    ) {
        (action, request, error) = (nil, nil, nil)
        let resolved: TriggerAction
        do { resolved = try trigger.action(events: events, sensor: sensor) } catch {
            self.error = error.description
            return
        }
        action = resolved
        do {
            request = try requests?.preview(trigger, sensor: sensor, events: events) ?? RequestPreview(resolved)
        } catch {
            self.error = error.description
        }
    }
}

/// A request as `explain` prints it.
public struct RequestPreview: Sendable, Hashable {
    /// The value of `request` in `explain --format json` (`null` for a trigger that only logs).
    public var json: EventValue
    /// The text form: the first line follows `request: `, the others are indented below it.
    public var lines: [String]

    /// Creates a preview.
    public init(json: EventValue, lines: [String]) {
        self.json = json
        self.lines = lines
    }

    /// The preview of an action as the engine resolves it, before the executor adds idempotent names and looks up
    /// server ids.
    public init(_ action: TriggerAction) {
        json = action.engine == .log ? .null : action.json
        var lines: [String]
        switch action.engine {
        case .argo: lines = ["\(action.method ?? "POST") {argo.server}\(action.path ?? "")"]
        case .http: lines = ["\(action.method ?? "POST") \(action.url ?? "")"]
        case .nats: lines = ["NATS publish \(action.subject ?? "") on \(action.url ?? "")"]
        case .log: lines = ["log the events"]
        case .kubeflow:
            lines = ["Kubeflow Pipelines run \(action.method ?? "POST") {kubeflow.host}\(action.path ?? "")"]
        case .route: lines = ["send the events through the routing matrix (explain --routing shows where each goes)"]
        case .kubernetes: lines = ["\(action.method ?? "POST") {kubernetes.server}\(action.path ?? "")"]
        }
        if let contentType = action.contentType { lines.append("Content-Type: \(contentType)") }
        for (name, value) in action.headers.sorted(by: { $0.key < $1.key }) { lines.append("\(name): \(value)") }
        switch action.body {
        case .json(let value): lines.append(JSONText.render(value))
        case .text(let text): lines.append(text)
        case nil: break
        }
        self.lines = lines
    }
}

/// Builds the request a fired trigger sends as the module that sends it does: the executor names what it creates
/// after the firing and looks server ids up by name, and `route` triggers go through a routing matrix. the engine
/// knows neither (it sends nothing), so ``Explainer`` takes one from its caller.
public protocol RequestPreviewing: Sendable {
    /// The request `trigger` sends when it fires with `events`.
    /// - Parameters:
    ///   - trigger: the trigger that fired.
    ///   - sensor: its sensor.
    ///   - events: the events it fired with, by dependency name.
    /// - Returns: the preview, or `nil` for the action as the engine resolves it (``RequestPreview/init(_:)``).
    /// - Throws: ``RequestPreviewError`` when the executor would refuse the firing.
    func preview(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) throws(RequestPreviewError)
        -> RequestPreview?
}

/// Why the executor would refuse a firing that SensorKit resolved (a field of the wrong type, a missing name).
public struct RequestPreviewError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The trigger.
    public var trigger: String
    /// What the executor says.
    public var reason: String

    /// Creates an error.
    public init(trigger: String, reason: String) {
        self.trigger = trigger
        self.reason = reason
    }

    /// `trigger <name>: <reason>`.
    public var description: String { "trigger \(trigger): \(reason)" }
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
    ///   - requests: builds the requests as the executor sends them; `nil` shows the actions as the engine resolves
    ///     them.
    public static func explain(
        sensors: [Sensor], events: [Event], subject: String?, subjectPrefix: String,
        requests: (any RequestPreviewing)? = nil
    ) -> [SensorExplanation] {
        sensors.map { sensor in
            SensorExplanation(
                name: sensor.name,
                triggers: sensor.triggers.map {
                    explain(
                        $0, of: sensor, events: events, subject: subject, subjectPrefix: subjectPrefix,
                        requests: requests)
                })
        }
    }

    package static func explain(
        _ trigger: Trigger, of sensor: Sensor, events: [Event], subject: String?, subjectPrefix: String,
        requests: (any RequestPreviewing)?
    ) -> TriggerExplanation {
        var explanation = TriggerExplanation(
            name: trigger.name, condition: trigger.conditions.description, fires: false, matches: [], filters: [],
            firedWith: [])
        var pending: [PendingEvent] = []
        for event in events {
            let now = event.time ?? EventTimestamp(seconds: 0)
            for dependencyName in trigger.dependencyNames {
                guard let dependency = sensor.dependency(named: dependencyName) else { continue }
                let routed =
                    subject.map { dependency.subject(prefix: subjectPrefix) == $0 } ?? dependency.accepts(event)
                guard routed else { continue }
                let (event, verdict) = dependency.screen(event)
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
                        explanation.recordFiring(trigger, sensor: sensor, events: fired, requests: requests)
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
    /// `kind`, `event` and, when it failed to evaluate, `error`. When nothing fires, `nearMiss` holds
    /// ``NearMiss/json``.
    public static func json(_ sensors: [SensorExplanation], nearMiss: NearMiss? = nil) -> String {
        var document: EventMap = [
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
                                    "request": trigger.request?.json ?? .null,
                                    "condition": .string(trigger.condition),
                                ]
                                if let error = trigger.error { entry["error"] = .string(error) }
                                return .map(entry)
                            }),
                    ])
                })
        ]
        if let nearMiss { document["nearMiss"] = nearMiss.json }
        return JSONText.render(.map(document))
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
                if let request = trigger.request {
                    out += "    request: " + request.lines.joined(separator: "\n      ") + "\n"
                }
                if let error = trigger.error { out += "    error: \(error)\n" }
            }
        }
        return out
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
