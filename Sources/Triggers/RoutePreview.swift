public import EventModel
public import SensorEngine
import SensorModel

/// A routing decision as `sensor-gateway route` and `explain` show it: the route taken, why each route before it
/// did not match, and the request the gateway sends, built as the executor builds it. Contacts no server.
public enum RoutePreview {
    /// `{"route":…|null,"engine":…|null,"request":{…}|null,"rejected":[{"route":…,"reasons":[…]}],…}`; also
    /// `event` (the id), `default` (whether `spec.default` took it) and, when a parameter failed, `error`.
    /// - Parameters:
    ///   - decision: the matrix's decision for `event`.
    ///   - event: the event.
    ///   - identity: the firing the request's names derive from.
    ///   - argoNamespace: the namespace of a submission whose route names none.
    public static func document(
        _ decision: RouteDecision, event: Event, identity: FiringIdentity, argoNamespace: String
    ) -> EventMap {
        var map: EventMap = [
            "route": decision.route.map(EventValue.string) ?? .null,
            "engine": decision.engine.map { .string($0.rawValue) } ?? .null,
            "request": decision.target.map {
                request(for: $0, event: event, identity: identity, argoNamespace: argoNamespace)
            } ?? .null,
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

    /// The request a route target stands for, exactly as the gateway sends it:
    /// `{"engine":…,"method":…,"path":…,"body":…}`. Argo routes submit their template
    /// (`POST /api/v1/workflows/{namespace}/submit`); a hybrid route adds `"kubeflow"`, the run its `kfp-trigger`
    /// step creates (``RouteRequests/hybridRunDisplayName(event:)``); Kubeflow routes create a run
    /// (`POST /apis/v2beta1/runs`) whose pipeline, version and experiment ids, looked up by name when the gateway
    /// runs, show as `<pipeline NAME>`-style placeholders. Names derive from `identity`.
    public static func request(
        for target: RouteTarget, event: Event, identity: FiringIdentity, argoNamespace: String
    ) -> EventValue {
        func described(_ request: APIRequest, engine: RoutingEngine?) -> EventMap {
            var map = EventMap()
            if let engine { map["engine"] = .string(engine.rawValue) }
            if case .map(let fields) = request.json {
                for (key, value) in fields { map[key] = value }
            }
            return map
        }
        func argo(_ submission: ArgoSubmissionTarget, engine: RoutingEngine) -> EventMap {
            do {
                let built = try RouteRequests.argo(submission, identity: identity, defaultNamespace: argoNamespace)
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
            map["kubeflow"] = .map(
                kubeflow(run, displayName: RouteRequests.hybridRunDisplayName(event: event), engine: nil))
            return .map(map)
        }
    }

    /// The text form, for people; the request's names derive from `identity`.
    public static func text(
        _ decision: RouteDecision, event: Event, identity: FiringIdentity, argoNamespace: String
    ) -> String {
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
            let request = request(for: target, event: event, identity: identity, argoNamespace: argoNamespace)
            out += "request: " + JSONCodec.encodeToString(request) + "\n"
        case .unresolved(let error):
            out += "error: \(error) (the event goes to the DLQ)\n"
        case .unmatched:
            break
        }
        return out
    }
}
