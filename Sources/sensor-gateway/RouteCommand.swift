import ArgumentParser
import EventModel
import SensorKit

/// `sensor-gateway route`: sends one event through the routing matrix and prints the route taken, why each route
/// before it did not match, and the request. Contacts no server.
///
/// Exit status: 0 when a route (or the default) took the event; 2 when the daemon would dead-letter it (no route
/// matched, or a parameter of the matched route could not be resolved); 1 when the routing file or the event is
/// invalid.
struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract:
            "Show which route, engine and request the routing matrix gives an event, without contacting any server.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(name: .long, help: "The routing matrix (a RoutingMatrix YAML file).")
    var routing = "config/routing.yaml"

    @Option(name: .long, help: "A CloudEvent file (JSON or MessagePack, structured mode).")
    var event: String

    @Option(name: .long, help: "text or json.")
    var format: Format = .text

    @Option(
        name: .long,
        help: "Directory of the Argo templates routes may name (default: deploy/argo near the routing file).")
    var argoTemplates: String?

    func run() throws {
        let templates = try loadArgoTemplates(argoTemplates)
        let matrix: RoutingMatrix
        do {
            matrix = try RoutingMatrix.load(file: routing, argoTemplates: templates).matrix
        } catch {
            printToStandardError(error.description)
            throw ExitCode(1)
        }
        let loaded: Event
        do {
            loaded = try EventFile.load(path: event)
        } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
        let decision = matrix.route(loaded)
        switch format {
        case .json: print(JSONCodec.encodeToString(Self.document(decision)))
        case .text: print(Self.text(decision, event: loaded), terminator: "")
        }
        if decision.target == nil { throw ExitCode(2) }
    }

    /// `{"route":…|null,"engine":…|null,"request":{…}|null,"rejected":[{"route":…,"reasons":[…]}],…}`; also `event`
    /// (the id), `default` (whether `spec.default` took it) and, when a parameter failed, `error`.
    static func document(_ decision: RouteDecision) -> EventValue {
        var map: EventMap = [
            "route": decision.route.map(EventValue.string) ?? .null,
            "engine": decision.engine.map { .string($0.rawValue) } ?? .null,
            "request": decision.target.map(routeRequestDescription) ?? .null,
            "rejected": .array(
                decision.rejected.map {
                    .map(["route": .string($0.route), "reasons": .array($0.reasons.map(EventValue.string))])
                }),
            "event": .string(decision.eventID),
            "default": .bool(decision.isDefault),
        ]
        if case .unresolved(let error) = decision.outcome { map["error"] = .string(error.description) }
        return .map(map)
    }

    /// The request a route target stands for, described from the decision:
    /// `{"engine":…,"template":{kind,name,namespace},"parameters":{…}}` for Argo,
    /// `{"engine":"kubeflow","pipeline":{name,version},"experiment":…,"parameters":{…}}` for Kubeflow, and for
    /// hybrid the Argo form plus `"kubeflow":{…}` (the run its `kfp-trigger` step creates).
    ///
    /// Stand-in until the Triggers module's request builders (Argo `WorkflowSubmitRequest` to
    /// `/api/v1/workflows/{namespace}/submit`, Kubeflow v2beta1 run) are merged: this one function is replaced by
    /// a call to them.
    static func routeRequestDescription(_ target: RouteTarget) -> EventValue {
        func argo(_ submission: ArgoSubmissionTarget, engine: RoutingEngine) -> EventMap {
            var template: EventMap = [
                "kind": .string(submission.templateKind.rawValue), "name": .string(submission.templateName),
            ]
            template["namespace"] = submission.namespace.map(EventValue.string) ?? .null
            var parameters = EventMap()
            for parameter in submission.parameters { parameters[parameter.name] = .string(parameter.value) }
            return ["engine": .string(engine.rawValue), "template": .map(template), "parameters": .map(parameters)]
        }
        func kubeflow(_ run: KubeflowRunTarget, engine: RoutingEngine?) -> EventMap {
            var map = EventMap()
            if let engine { map["engine"] = .string(engine.rawValue) }
            map["pipeline"] = .map([
                "name": .string(run.pipeline), "version": run.version.map(EventValue.string) ?? .null,
            ])
            map["experiment"] = run.experiment.map(EventValue.string) ?? .null
            map["parameters"] = .map(run.parameters)
            return map
        }
        switch target {
        case .argo(let submission):
            return .map(argo(submission, engine: .argo))
        case .kubeflow(let run):
            return .map(kubeflow(run, engine: .kubeflow))
        case .hybrid(let submission, let run):
            var map = argo(submission, engine: .hybrid)
            map["kubeflow"] = .map(kubeflow(run, engine: nil))
            return .map(map)
        }
    }

    /// The text form, for people.
    static func text(_ decision: RouteDecision, event: Event) -> String {
        var out = "event \(event.id) (type \(event.type), source \(event.source)"
        out += (event.subject.map { ", subject \($0)" } ?? "") + ")\n"
        for rejection in decision.rejected {
            out += "  route \(rejection.route): no match\n"
            for reason in rejection.reasons { out += "    \(reason)\n" }
        }
        guard let route = decision.route, let engine = decision.engine else {
            out += "no route matched: the event goes to the DLQ\n"
            return out
        }
        let chosen = decision.isDefault ? "default route" : "route"
        out += "  \(chosen) \(route): MATCHED (engine \(engine.rawValue))\n"
        switch decision.outcome {
        case .routed(let target):
            out += "request: " + JSONCodec.encodeToString(routeRequestDescription(target)) + "\n"
        case .unresolved(let error):
            out += "error: \(error) (the event goes to the DLQ)\n"
        case .unmatched:
            break
        }
        return out
    }
}
