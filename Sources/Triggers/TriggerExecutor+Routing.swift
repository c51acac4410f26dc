import EventModel
public import SensorModel
public import SensorEngine

extension TriggerExecutor {
    /// Executes a target the routing matrix resolved for one event: an Argo submission from a template (also the
    /// orchestrating template of a hybrid route, whose `kfp-trigger` step then creates the run) or a Kubeflow run.
    /// The workflow name and run display name come from `identity`, so a redelivered event is found, not repeated.
    /// - Parameters:
    ///   - target: the resolved target (``RouteDecision/target``).
    ///   - identity: the firing (sensor, trigger, event id) the names derive from.
    ///   - retry: the retry policy.
    public func execute(_ target: RouteTarget, identity: FiringIdentity, retry: RetryPolicy = .once) async
        -> TriggerOutcome
    {
        switch target {
        case .kubeflow(let run):
            return await createRun(
                RouteRequests.runSpec(run), identity: identity, displayNamePrefix: run.pipeline, retry: retry)
        case .argo(let submission), .hybrid(let submission, _):
            let argo: RouteRequests.ArgoSubmission
            do {
                argo = try RouteRequests.argo(submission, identity: identity, defaultNamespace: configuration.argo.namespace)
            } catch {
                return .permanent(
                    reason: "route to \(submission.templateKind.rawValue) \(submission.templateName): \(error)")
            }
            return await send(
                argo.request, workflowName: argo.workflowName, namespace: argo.namespace, identity: identity,
                retry: retry)
        }
    }

    /// A `route` trigger: each event goes through the configured routing matrix on its own; the outcomes combine
    /// as the message needs them (any retryable → retryable, else any permanent → permanent, else success).
    func routeTrigger(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> TriggerOutcome {
        guard let routing else {
            return .permanent(reason: "trigger \(trigger.name) is a route trigger, and no routing matrix is configured")
        }
        let policy = RetryPolicy(trigger.retryStrategy)
        var outcomes: [TriggerOutcome] = []
        for (dependency, event) in events.sorted(by: { $0.key < $1.key }) {
            let decision = routing.route(event)
            guard let target = decision.target else {
                outcomes.append(.permanent(reason: "event \(event.id): \(decision.failureReason ?? "not routed")"))
                continue
            }
            let identity = FiringIdentity(sensor: sensor.name, trigger: trigger.name, eventIDs: [dependency: event.id])
            outcomes.append(await execute(target, identity: identity, retry: policy))
        }
        return Self.combine(outcomes)
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
