import EventModel
import SensorEngine
import SensorModel
import Synchronization

/// The `route` trigger: each event goes through the routing matrix on its own and the target it resolves to is
/// executed: an Argo submission from a template (through the Argo Server, or as a `Workflow` resource with
/// `argo.via: kubernetes`) (also the orchestrating template of a hybrid route, whose
/// `kfp-trigger` step then creates the run) or a Kubeflow run. Names derive from the sensor, the trigger and that
/// event alone, so a redelivered event is found, not repeated.
final class RouteTriggerExecutor: TriggerKindExecutor {
    /// The `engine` label when the matrix chose no engine (no matrix, or no route took the event).
    static let noEngine = "none"
    private let argo: ArgoWorkflowExecutor
    private let kubeflow: KubeflowPipelineExecutor
    private let defaultNamespace: String
    private let matrix: Mutex<RoutingMatrix?>
    /// Claims Kubeflow runs (which have no idempotency key) before they are created; `nil`: no claims.
    private let claims: ClaimedExecution?

    init(
        argo: ArgoWorkflowExecutor, kubeflow: KubeflowPipelineExecutor, configuration: TriggerConfiguration,
        claims: ClaimedExecution? = nil
    ) {
        self.argo = argo
        self.kubeflow = kubeflow
        self.claims = claims
        defaultNamespace = configuration.argo.namespace
        matrix = Mutex(configuration.routing)
    }

    /// The routing matrix in use.
    var routing: RoutingMatrix? { matrix.withLock { $0 } }

    /// Replaces the routing matrix; firings already routing keep the one they read.
    func replaceRouting(_ routing: RoutingMatrix?) {
        matrix.withLock { $0 = routing }
    }

    /// Routes each event; the outcomes combine as the message needs them (any retryable → retryable, else any
    /// permanent → permanent, else success). The engine and route are the matrix's choice; events of one firing
    /// that took different routes list each, sorted and separated by `,`.
    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        guard let routing else {
            return TriggerExecution(
                .permanent(
                    reason: "trigger \(firing.trigger.name) is a route trigger, and no routing matrix is configured"),
                engine: Self.noEngine)
        }
        let policy = RetryPolicy(firing.trigger.retryStrategy)
        var outcomes: [TriggerOutcome] = []
        var engines: Set<String> = []
        var routes: Set<String> = []
        for (dependency, event) in firing.events.sorted(by: { $0.key < $1.key }) {
            let decision = routing.route(event)
            engines.insert(decision.engine?.rawValue ?? Self.noEngine)
            if let route = decision.route { routes.insert(route) }
            guard let target = decision.target else {
                outcomes.append(.permanent(reason: "event \(event.id): \(decision.failureReason ?? "not routed")"))
                continue
            }
            let identity = FiringIdentity(
                sensor: firing.sensor.name, trigger: firing.trigger.name, events: [dependency: event])
            outcomes.append(await execute(target, identity: identity, retry: policy, readFirst: firing.isRepeat))
        }
        return TriggerExecution(
            Self.combine(outcomes), engine: engines.sorted().joined(separator: ","),
            route: routes.sorted().joined(separator: ","))
    }

    /// Executes a target the routing matrix resolved for one event, named after `identity`; with `readFirst` (a
    /// repeated firing), an Argo submission reads its workflow first and sends nothing when it exists.
    func execute(_ target: RouteTarget, identity: FiringIdentity, retry: RetryPolicy, readFirst: Bool = false) async
        -> TriggerOutcome
    {
        switch target {
        case .kubeflow(let run):
            let kubeflow = kubeflow
            var spec = RouteRequests.runSpec(run)
            spec.noteTrace(TriggerTrace.current)
            let create: @Sendable () async -> TriggerOutcome = { [spec] in
                await kubeflow.createRun(
                    spec, displayName: RouteRequests.runDisplayName(run, identity: identity), identity: identity,
                    retry: retry)
            }
            guard let claims else { return await create() }
            return await claims.run(identity.id, grace: kubeflow.context.configuration.requestTimeout, create)
        case .argo(let submission), .hybrid(let submission, _):
            if argo.context.configuration.argo.via == .kubernetes {
                return await submitViaKubernetes(
                    submission, identity: identity, retry: retry, readFirst: readFirst)
            }
            let request: RouteRequests.ArgoSubmission
            do {
                request = try RouteRequests.argo(
                    submission, identity: identity, defaultNamespace: defaultNamespace,
                    traceID: TriggerTrace.current?.traceID)
            } catch {
                return .permanent(
                    reason: "route to \(submission.templateKind.rawValue) \(submission.templateName): \(error)")
            }
            return await argo.send(
                request.request, workflowName: request.workflowName, namespace: request.namespace,
                identity: identity, retry: retry, readFirst: readFirst)
        }
    }

    /// A route's template submitted as a `Workflow` resource (`argo.via: kubernetes`), named after `identity`.
    private func submitViaKubernetes(
        _ submission: ArgoSubmissionTarget, identity: FiringIdentity, retry: RetryPolicy, readFirst: Bool
    ) async -> TriggerOutcome {
        let viaKubernetes = ArgoViaKubernetes(context: argo.context)
        let kind: ArgoRequests.TemplateKind =
            submission.templateKind == .clusterWorkflowTemplate ? .clusterWorkflowTemplate : .workflowTemplate
        let namespace = submission.namespace ?? defaultNamespace
        return await argo.context.withRetries(retry) { () async -> Attempt in
            do throws(AttemptEnd) {
                return try await viaKubernetes.submit(
                    from: kind, template: submission.templateName,
                    parameters: submission.parameters.map { ($0.name, $0.value) }, namespace: namespace,
                    identity: identity, readFirst: readFirst)
            } catch {
                return error.attempt
            }
        }
    }

    /// One outcome for several: any retryable first (a redelivery redoes only what is missing, the rest is found
    /// by name), then any permanent, then succeeded if anything was new, else already done.
    static func combine(_ outcomes: [TriggerOutcome]) -> TriggerOutcome {
        if outcomes.count == 1, let only = outcomes.first { return only }
        var succeeded: [String] = []
        var done: [String] = []
        var permanent: [String] = []
        var retryable: [String] = []
        var after: Duration?
        for outcome in outcomes {
            switch outcome {
            case .succeeded(let detail): succeeded.append(detail)
            case .alreadyDone(let detail): done.append(detail)
            case .permanent(let reason): permanent.append(reason)
            case .retryable(let reason, let delay):
                retryable.append(reason)
                if let delay { after = max(after ?? delay, delay) }
            }
        }
        if !retryable.isEmpty { return .retryable(reason: retryable.joined(separator: "; "), after: after) }
        if !permanent.isEmpty { return .permanent(reason: permanent.joined(separator: "; ")) }
        if !succeeded.isEmpty { return .succeeded(detail: (succeeded + done).joined(separator: "; ")) }
        return .alreadyDone(detail: done.joined(separator: "; "))
    }
}
