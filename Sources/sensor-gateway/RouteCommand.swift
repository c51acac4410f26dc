import ArgumentParser
import EventModel
import Foundation
import LocalFiles
import SensorModel
import SensorEngine
import Triggers

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
            matrix = try SensorFiles.loadRouting(file: routing, argoTemplates: templates).matrix
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
        // Names derive from sensor `route`, the route's name and the event id.
        let identity = FiringIdentity(
            sensor: "route", trigger: decision.route ?? "default", eventIDs: ["event": loaded.id])
        switch format {
        case .json: print(JSONCodec.encodeToString(.map(Self.document(decision, event: loaded, identity: identity))))
        case .text: print(Self.text(decision, event: loaded, identity: identity), terminator: "")
        }
        if decision.target == nil { throw ExitCode(2) }
    }

    /// `{"route":…|null,"engine":…|null,"request":{…}|null,"rejected":[{"route":…,"reasons":[…]}],…}`; also `event`
    /// (the id), `default` (whether `spec.default` took it) and, when a parameter failed, `error`. The request's
    /// names derive from `identity`.
    static func document(_ decision: RouteDecision, event: Event, identity: FiringIdentity) -> EventMap {
        var map: EventMap = [
            "route": decision.route.map(EventValue.string) ?? .null,
            "engine": decision.engine.map { .string($0.rawValue) } ?? .null,
            "request": decision.target.map { request(for: $0, event: event, identity: identity) } ?? .null,
            "rejected": .array(
                decision.rejected.map {
                    .map(["route": .string($0.route), "reasons": .array($0.reasons.map(EventValue.string))])
                }),
            "event": .string(decision.eventID),
            "default": .bool(decision.isDefault),
        ]
        if case .unresolved(let error) = decision.outcome { map["error"] = .string(error.description) }
        return map
    }

    /// The request a route target stands for, built by the Triggers module exactly as the gateway sends it:
    /// `{"engine":…,"method":…,"path":…,"body":…}`. Argo routes submit their template
    /// (`POST /api/v1/workflows/{namespace}/submit`, namespace `ARGO_NAMESPACE` or `argo` when the route names
    /// none); a hybrid route adds `"kubeflow"`, the run its `kfp-trigger` step creates (named after the event id);
    /// Kubeflow routes create a run
    /// (`POST /apis/v2beta1/runs`) whose pipeline, version and experiment ids, looked up by name when the gateway
    /// runs, show as `<pipeline NAME>`-style placeholders. Names derive from `identity`, the firing the executor
    /// names them after (for a sensor's `route` trigger: its sensor, trigger, dependency and event id).
    static func request(for target: RouteTarget, event: Event, identity: FiringIdentity) -> EventValue {
        func described(_ request: APIRequest, engine: RoutingEngine?) -> EventMap {
            var map = EventMap()
            if let engine { map["engine"] = .string(engine.rawValue) }
            if case .map(let fields) = request.json {
                for (key, value) in fields { map[key] = value }
            }
            return map
        }
        func argo(_ submission: ArgoSubmissionTarget, engine: RoutingEngine) -> EventMap {
            let namespace = ProcessInfo.processInfo.environment["ARGO_NAMESPACE"] ?? "argo"
            do {
                let built = try RouteRequests.argo(submission, identity: identity, defaultNamespace: namespace)
                return described(built.request, engine: engine)
            } catch {
                return ["engine": .string(engine.rawValue), "error": .string(error.description)]
            }
        }
        func kubeflow(_ run: KubeflowRunTarget, displayName: String, engine: RoutingEngine?) -> EventMap {
            described(RouteRequests.previewRun(run, displayName: displayName, version: .v2beta1), engine: engine)
        }
        switch target {
        case .argo(let submission):
            return .map(argo(submission, engine: .argo))
        case .kubeflow(let run):
            return .map(
                kubeflow(run, displayName: RouteRequests.runDisplayName(run, identity: identity), engine: .kubeflow))
        case .hybrid(let submission, let run):
            var map = argo(submission, engine: .hybrid)
            // The orchestrating workflow's kfp-trigger step names the run after the event id.
            map["kubeflow"] = .map(kubeflow(run, displayName: event.id, engine: nil))
            return .map(map)
        }
    }

    /// The text form, for people; the request's names derive from `identity`.
    static func text(_ decision: RouteDecision, event: Event, identity: FiringIdentity) -> String {
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
            out += "request: " + JSONCodec.encodeToString(request(for: target, event: event, identity: identity)) + "\n"
        case .unresolved(let error):
            out += "error: \(error) (the event goes to the DLQ)\n"
        case .unmatched:
            break
        }
        return out
    }
}
