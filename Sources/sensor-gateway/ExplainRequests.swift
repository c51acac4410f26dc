import EventModel
import Foundation
import SensorModel
import SensorEngine
import Triggers

/// The requests `explain` prints, built by the Triggers module as the executor sends them: a `kubeflowPipeline`
/// trigger's run creation (ids the executor looks up by name as `{pipelineName}`-style placeholders, the names under
/// `resolve`, as the outbox records it) and, given a routing matrix, where each event of a `route` trigger goes and
/// the request it gets (as `sensor-gateway route` prints it). An `argoWorkflow` or `k8s` trigger with an inline
/// resource shows the workflow named and labelled after the firing; other kinds show the engine's request.
struct ExplainRequests: RequestPreviewing {
    /// The namespace of workflows whose resource and sensor name none (`ARGO_NAMESPACE`, as `route` reads it).
    var argoNamespace = ProcessInfo.processInfo.environment["ARGO_NAMESPACE"] ?? "argo"
    /// The KFP API version runs are created with.
    var kubeflowAPIVersion = KFPAPIVersion.v2beta1
    /// The matrix `route` triggers send their events through; `nil` shows only the events' ids.
    var routing: RoutingMatrix?

    func preview(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) throws(RequestPreviewError)
        -> RequestPreview?
    {
        switch trigger.kind {
        case .argoWorkflow, .k8sWorkflow:
            let request: APIRequest?
            do {
                request = try TriggerExecutor.previewWorkflow(
                    trigger, sensor: sensor, events: events, defaultNamespace: argoNamespace)
            } catch {
                throw RequestPreviewError(trigger: trigger.name, reason: error.description)
            }
            return request.map { Self.preview($0, engine: "argo", base: "{argo.server}") }
        case .kubeflowPipeline:
            let run: KFPRunPreview
            do {
                run = try TriggerExecutor.previewRun(
                    trigger, sensor: sensor, events: events, version: kubeflowAPIVersion)
            } catch {
                throw RequestPreviewError(trigger: trigger.name, reason: error.description)
            }
            return Self.preview(
                run.request, engine: "kubeflow", base: "{kubeflow.host}", heading: "Kubeflow Pipelines run ",
                resolve: run.resolve)
        case .route:
            guard let routing else { return nil }
            var routes: [EventValue] = []
            var lines = ["each event through the routing matrix"]
            for (dependency, event) in events.sorted(by: { $0.key < $1.key }) {
                let decision = routing.route(event)
                // The executor names what a route trigger creates after the sensor, the trigger and this event.
                let identity = FiringIdentity(
                    sensor: sensor.name, trigger: trigger.name, eventIDs: [dependency: event.id])
                var route = RouteCommand.document(decision, event: event, identity: identity)
                route["dependency"] = .string(dependency)
                routes.append(.map(route))
                lines += RouteCommand.text(decision, event: event, identity: identity).split(separator: "\n").map(
                    String.init)
            }
            return RequestPreview(json: ["engine": "route", "routes": .array(routes)], lines: lines)
        case .http, .nats, .log:
            return nil
        }
    }

    /// `{"engine":…,"method":…,"path":…,"body":…,"resolve"?:…}`, and the lines `<heading>METHOD <base>PATH`,
    /// the body, and the names the executor looks up first.
    private static func preview(
        _ request: APIRequest, engine: String, base: String, heading: String = "", resolve: EventMap = [:]
    ) -> RequestPreview {
        var json: EventMap = [
            "engine": .string(engine), "method": .string(request.method), "path": .string(request.path),
        ]
        var lines = [heading + "\(request.method) \(base)\(request.path)"]
        if let body = request.body {
            json["body"] = body
            lines.append(JSONCodec.encodeToString(body))
        }
        if !resolve.isEmpty {
            json["resolve"] = .map(resolve)
            let names = resolve.map { "\($0.key) '\($0.value.stringValue ?? "")'" }.sorted()
            lines.append("ids looked up by name first: " + names.joined(separator: ", "))
        }
        return RequestPreview(json: .map(json), lines: lines)
    }
}
