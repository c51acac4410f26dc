public import EventModel
public import HTTPTransport
public import SensorEngine
public import SensorModel

/// Executes fired triggers: applies the trigger's `rateLimit`, then hands the firing to the executor of its kind
/// (``TriggerKindExecutor``: Argo workflow, `k8s` (any Kubernetes resource), Kubeflow pipeline, HTTP, NATS, log,
/// route), which builds the
/// request (``ArgoRequests``, ``KFPRequests``, ``RouteRequests``), sends it, classifies the answer and retries.
///
/// ```swift
/// let executor = try TriggerExecutor(configuration: .init(argo: .init(server: "https://argo-server.argo:2746")))
/// let execution = await executor.execute(TriggerFiring(trigger, sensor: sensor, events: ["dep": event]))
/// await executor.shutdown()
/// ```
///
/// **Retries happen inside** ``execute(_:)``: `retryStrategy.steps` attempts with its backoff, on the configured
/// clock. A 404 is retried within ``TriggerConfiguration/notFoundGrace`` and a 500 up to
/// ``TriggerConfiguration/internalErrorAttempts`` times whatever the strategy, then they are permanent. When the
/// attempts are used up on a retryable failure, the outcome is ``TriggerOutcome/retryable(reason:after:)`` with
/// the next backoff as `after`: the daemon naks with that delay. `rateLimit` is applied before the first attempt
/// (the call waits for its slot).
///
/// Idempotency: workflows are named ``FiringIdentity/name(prefix:)`` (a 409 is confirmed with a GET of the
/// workflow's ``FiringIdentity/firingLabel``), KFP runs get that name as display name and are looked up before
/// being created, and outbox files are created exclusively. With ``TriggerConfiguration/claims``, a firing whose
/// target has no idempotency key of its own (a Kubeflow run, routed or not; a `k8s` create of an object with a fixed
/// `metadata.name`; an `http` trigger with `exactlyOnce`) is claimed first, so replicas and redeliveries never
/// execute it twice at the same time, and never again once it is done.
public final class TriggerExecutor: Sendable {
    /// The configuration.
    public let configuration: TriggerConfiguration
    private let context: TriggerContext
    private let limiter: TriggerRateLimiter
    private let argo: ArgoWorkflowExecutor
    private let k8s: K8sTriggerExecutor
    private let kubeflow: KubeflowPipelineExecutor
    private let http: HTTPTriggerExecutor
    private let nats: NATSTriggerExecutor
    private let log: LogTriggerExecutor
    private let route: RouteTriggerExecutor
    private let claims: ClaimedExecution?

    /// Starts the HTTP clients (one per server, one for `http` triggers, `source.url` and `source.s3`).
    /// - Throws: ``HTTPTransportError`` when libcurl cannot be initialised.
    public init(configuration: TriggerConfiguration) throws(HTTPTransportError) {
        self.configuration = configuration
        context = try TriggerContext(configuration: configuration)
        limiter = TriggerRateLimiter(clock: configuration.clock)
        argo = ArgoWorkflowExecutor(context: context)
        k8s = K8sTriggerExecutor(context: context, argo: argo)
        kubeflow = KubeflowPipelineExecutor(context: context)
        http = HTTPTriggerExecutor(context: context)
        nats = NATSTriggerExecutor(context: context)
        log = LogTriggerExecutor(context: context)
        claims = configuration.claims.map { store in
            ClaimedExecution(
                claims: store, replica: configuration.replica, timeout: configuration.executionTimeout,
                pollInterval: configuration.claimPollInterval, clock: configuration.clock)
        }
        route = RouteTriggerExecutor(argo: argo, kubeflow: kubeflow, configuration: configuration, claims: claims)
    }

    /// The routing matrix `route` triggers use: ``TriggerConfiguration/routing`` until ``replaceRouting(_:)``.
    public var routing: RoutingMatrix? { route.routing }

    /// Replaces the routing matrix (a reloaded `routing` file); firings already routing keep the one they read.
    public func replaceRouting(_ matrix: RoutingMatrix?) {
        route.replaceRouting(matrix)
    }

    /// Stops the HTTP clients; requests in flight fail as retryable.
    public func shutdown() async {
        await context.shutdown()
    }

    /// Executes a firing with its trigger's `rateLimit`, `retryStrategy` and `policy`; the HTTP requests of a traced
    /// firing carry its trace context (``TriggerFiring/trace``).
    /// - Returns: the outcome and the engine that executed it; never throws.
    public func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        guard let trace = firing.trace else { return await executeUntraced(firing) }
        return await TriggerTrace.$current.withValue(trace) { await executeUntraced(firing) }
    }

    private func executeUntraced(_ firing: TriggerFiring) async -> TriggerExecution {
        let executor = executor(for: firing.trigger.kind)
        if let limit = firing.trigger.rateLimit {
            do { try await limiter.take("\(firing.sensor.name)/\(firing.trigger.name)", limit: limit) } catch {
                return TriggerExecution(
                    .retryable(reason: "cancelled while waiting for the rate limit", after: nil),
                    engine: Self.engine(of: firing.trigger.kind))
            }
        }
        guard let claims, let grace = ClaimedExecution.grace(for: firing.trigger, configuration: configuration) else {
            return await executor.execute(firing)
        }
        let outcome = await claims.run(firing.identity.id, grace: grace) { await executor.execute(firing).outcome }
        return TriggerExecution(outcome, engine: Self.engine(of: firing.trigger.kind))
    }

    /// Executes a fired trigger: ``execute(_:)`` with the firing of `trigger` of `sensor` with `events`.
    /// - Returns: the outcome; never throws.
    public func execute(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> TriggerOutcome {
        await execute(TriggerFiring(trigger, sensor: sensor, events: events)).outcome
    }

    /// Executes a target the routing matrix resolved for one event: an Argo submission from a template (also the
    /// orchestrating template of a hybrid route) or a Kubeflow run, named after `identity`.
    public func execute(_ target: RouteTarget, identity: FiringIdentity, retry: RetryPolicy = .once) async
        -> TriggerOutcome
    {
        await route.execute(target, identity: identity, retry: retry)
    }

    /// Sends a request built with ``ArgoRequests`` with Argo's outcome rules: a 409 on a create or submit (a
    /// `POST`) is confirmed through `identity`'s label; without a server it goes to the outbox.
    /// - Parameters:
    ///   - request: the request; for a create or submit, its workflow or `submitOptions.name` is `name`.
    ///   - name: the workflow's deterministic name (``FiringIdentity/name(prefix:)``).
    ///   - namespace: the workflow's namespace.
    ///   - identity: the firing, for labels and the outbox.
    ///   - retry: the retry policy.
    public func send(
        _ request: APIRequest, workflowName name: String, namespace: String, identity: FiringIdentity,
        retry: RetryPolicy = .once
    ) async -> TriggerOutcome {
        await argo.send(request, workflowName: name, namespace: namespace, identity: identity, retry: retry)
    }

    /// Starts a Kubeflow Pipelines run: resolves names to ids, creates the experiment when missing, looks for a
    /// run named `identity.name(prefix: displayNamePrefix)` and creates one only if there is none.
    public func createRun(
        _ spec: KFPRunSpec, identity: FiringIdentity, displayNamePrefix: String? = nil, retry: RetryPolicy = .once
    ) async -> TriggerOutcome {
        await kubeflow.createRun(
            spec, displayName: identity.name(prefix: displayNamePrefix), identity: identity, retry: retry)
    }

    /// The request an `argoWorkflow` trigger's firing sends, without contacting the server: the workflow
    /// named after the firing and labelled with it.
    /// - Parameter defaultNamespace: the namespace when neither the resource nor the sensor names one.
    /// - Returns: the request; `nil` for other kinds and for sources other than `resource` and `inline`, whose
    ///   resource is read when the trigger runs.
    /// - Throws: ``TriggerError`` when a parameter does not resolve or the resource cannot be sent.
    public static func previewWorkflow(
        _ trigger: Trigger, sensor: Sensor, events: [String: Event], defaultNamespace: String
    ) throws(TriggerError) -> APIRequest? {
        try ArgoWorkflowExecutor.preview(
            TriggerFiring(trigger, sensor: sensor, events: events), defaultNamespace: defaultNamespace)
    }

    /// The run a `kubeflowPipeline` trigger's firing creates, without contacting the server, the ids it looks up by
    /// name as placeholders.
    /// - Throws: ``TriggerError`` when a parameter does not resolve or the resolved section is not a run.
    public static func previewRun(
        _ trigger: Trigger, sensor: Sensor, events: [String: Event], version: KFPAPIVersion
    ) throws(TriggerError) -> KFPRunPreview {
        try KubeflowPipelineExecutor.preview(TriggerFiring(trigger, sensor: sensor, events: events), version: version)
    }

    /// The executor of a trigger kind.
    private func executor(for kind: TriggerKind) -> any TriggerKindExecutor {
        switch kind {
        case .argoWorkflow: argo
        case .k8s: k8s
        case .kubeflowPipeline: kubeflow
        case .http: http
        case .nats: nats
        case .log: log
        case .route: route
        }
    }

    /// The `engine` label of a kind before a route is chosen (`none` for a `route` trigger, whose engine the routing
    /// matrix picks per firing).
    public static func engine(of kind: TriggerKind) -> String {
        switch kind {
        case .argoWorkflow: ArgoWorkflowExecutor.engine
        case .k8s: K8sTriggerExecutor.engine
        case .kubeflowPipeline: KubeflowPipelineExecutor.engine
        case .http: HTTPTriggerExecutor.engine
        case .nats: NATSTriggerExecutor.engine
        case .log: LogTriggerExecutor.engine
        case .route: RouteTriggerExecutor.noEngine
        }
    }
}
