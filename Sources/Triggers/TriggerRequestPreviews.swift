public import EventModel
public import SensorEngine
public import SensorModel

/// The requests `explain` prints, built as the executor sends them: a `kubeflowPipeline` trigger's run creation (ids
/// the executor looks up by name as `<pipeline NAME>`-style placeholders, the names under `resolve`, as the outbox
/// records it) and, given a routing matrix, where each event of a `route` trigger goes and the request it gets (as
/// ``RoutePreview`` shows it). An `argoWorkflow` trigger with an inline resource shows the workflow named and
/// labelled after the firing, a `k8s` trigger the Kubernetes API request (a created object named and labelled as
/// the executor creates it); other kinds show the engine's action.
public struct TriggerRequestPreviews: RequestPreviewing {
    /// The namespace of workflows whose resource and sensor name none.
    public var argoNamespace: String
    /// The namespace of `k8s` objects whose resource and sensor name none (the Kubernetes connection's default).
    public var kubernetesNamespace: String
    /// The KFP API version runs are created with.
    public var kubeflowAPIVersion: KFPAPIVersion
    /// The matrix `route` triggers send their events through; `nil` shows only the events' ids.
    public var routing: RoutingMatrix?

    /// Creates previews.
    public init(
        argoNamespace: String = "argo", kubernetesNamespace: String = "{kubernetes.namespace}",
        kubeflowAPIVersion: KFPAPIVersion = .v2beta1, routing: RoutingMatrix? = nil
    ) {
        self.argoNamespace = argoNamespace
        self.kubernetesNamespace = kubernetesNamespace
        self.kubeflowAPIVersion = kubeflowAPIVersion
        self.routing = routing
    }

    /// The request `trigger` sends when it fires with `events`; `nil` for the engine's action.
    /// - Throws: ``RequestPreviewError`` when the executor would refuse the firing.
    public func preview(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) throws(RequestPreviewError)
        -> RequestPreview?
    {
        let firing = TriggerFiring(trigger, sensor: sensor, events: events)
        switch trigger.kind {
        case .k8s(let k8s):
            guard k8s.source.inlineResource != nil else { return nil }
            let request: K8sRequest
            do {
                guard let resolved = try trigger.resolvedResource(events: events, sensor: sensor) else { return nil }
                request = try K8sRequest.request(
                    resolved, identity: firing.identity, defaultNamespace: kubernetesNamespace)
            } catch {
                throw RequestPreviewError(trigger: trigger.name, reason: "\(error)")
            }
            var json: EventMap = ["engine": .string(K8sTriggerExecutor.engine)]
            for (key, value) in request.json.mapValue ?? [:] { json[key] = value }
            var lines = [
                "\(request.method) {kubernetes.server}\(request.path)", "Content-Type: \(request.contentType)",
            ]
            if let body = request.body { lines.append(JSONCodec.encodeToString(body)) }
            return RequestPreview(json: .map(json), lines: lines)
        case .argoWorkflow:
            let request: APIRequest?
            do { request = try ArgoWorkflowExecutor.preview(firing, defaultNamespace: argoNamespace) } catch {
                throw RequestPreviewError(trigger: trigger.name, reason: error.description)
            }
            return request.map { Self.preview($0, engine: ArgoWorkflowExecutor.engine, base: "{argo.server}") }
        case .kubeflowPipeline:
            let run: KFPRunPreview
            do { run = try KubeflowPipelineExecutor.preview(firing, version: kubeflowAPIVersion) } catch {
                throw RequestPreviewError(trigger: trigger.name, reason: error.description)
            }
            return Self.preview(
                run.request, engine: KubeflowPipelineExecutor.engine, base: "{kubeflow.host}",
                heading: "Kubeflow Pipelines run ", resolve: run.resolve)
        case .route:
            guard let routing else { return nil }
            var routes: [EventValue] = []
            var lines = ["each event through the routing matrix"]
            for (dependency, event) in events.sorted(by: { $0.key < $1.key }) {
                let decision = routing.route(event)
                // The executor names what a route trigger creates after the sensor, the trigger and this event.
                let identity = FiringIdentity(sensor: sensor.name, trigger: trigger.name, events: [dependency: event])
                var route = RoutePreview.document(
                    decision, event: event, identity: identity, argoNamespace: argoNamespace)
                route["dependency"] = .string(dependency)
                routes.append(.map(route))
                let text = RoutePreview.text(decision, event: event, identity: identity, argoNamespace: argoNamespace)
                lines += text.split(separator: "\n").map(String.init)
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
