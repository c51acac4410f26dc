public import EventModel
public import HTTPTransport
public import SensorModel
public import SensorEngine
import Synchronization

/// Executes fired triggers: resolves parameters (SensorEngine), builds the request (``ArgoRequests``,
/// ``KFPRequests``), sends it, classifies the answer, and retries and rate-limits as the trigger says.
///
/// ```swift
/// let executor = try TriggerExecutor(configuration: .init(argo: .init(server: "https://argo-server.argo:2746")))
/// let outcome = await executor.execute(trigger, sensor: sensor, events: ["dep": event])
/// await executor.shutdown()
/// ```
///
/// **Retries happen inside** ``execute(_:sensor:events:)``: `retryStrategy.steps` attempts with its backoff,
/// on the configured clock. A 404 is retried within ``TriggerConfiguration/notFoundGrace`` and a 500 up to
/// ``TriggerConfiguration/internalErrorAttempts`` times whatever the strategy, then they are permanent. When the
/// attempts are used up on a retryable failure, the outcome is ``TriggerOutcome/retryable(reason:after:)`` with
/// the next backoff as `after`: the daemon naks with that delay. `rateLimit` is applied before the first attempt
/// (the call waits for its slot).
///
/// Idempotency: workflows are named ``FiringIdentity/name(prefix:)`` (a 409 is confirmed with a GET of the
/// workflow's ``FiringIdentity/firingLabel``), KFP runs get that name as display name and are looked up before
/// being created, and outbox files are created exclusively.
public final class TriggerExecutor: Sendable {
    /// The configuration.
    public let configuration: TriggerConfiguration
    let argo: Endpoint?
    let kubeflow: Endpoint?
    let general: HTTPClient
    let outbox: Outbox
    let limiter: TriggerRateLimiter
    let lookups: LookupCache
    private let lastLog = Mutex<[String: Duration]>([:])
    private let routingMatrix: Mutex<RoutingMatrix?>

    /// The routing matrix `route` triggers use: ``TriggerConfiguration/routing`` until ``replaceRouting(_:)``.
    public var routing: RoutingMatrix? { routingMatrix.withLock { $0 } }

    /// Replaces the routing matrix (a reloaded `routing` file); firings already routing keep the one they read.
    public func replaceRouting(_ matrix: RoutingMatrix?) {
        routingMatrix.withLock { $0 = matrix }
    }

    /// A configured server.
    struct Endpoint: Sendable {
        let base: String
        let client: HTTPClient
        let token: BearerToken?
        let service: Service
    }

    /// Starts the HTTP clients (one per server, one for `http` triggers and `source.url`).
    /// - Throws: ``HTTPTransportError`` when libcurl cannot be initialised.
    public init(configuration: TriggerConfiguration) throws(HTTPTransportError) {
        self.configuration = configuration
        func client(_ tls: HTTPClient.Configuration.TLS) throws(HTTPTransportError) -> HTTPClient {
            try HTTPClient(
                configuration: .init(
                    connectTimeout: configuration.connectTimeout, requestTimeout: configuration.requestTimeout,
                    tls: tls))
        }
        func endpoint(
            _ base: String?, _ tls: HTTPClient.Configuration.TLS, _ token: BearerToken.Source?, _ service: Service
        ) throws(HTTPTransportError) -> Endpoint? {
            guard let base else { return nil }
            return Endpoint(
                base: Self.trimmed(base), client: try client(tls), token: token.map(BearerToken.init), service: service)
        }
        general = try client(.init())
        argo = try endpoint(configuration.argo.server, configuration.argo.tls, configuration.argo.token, .argo)
        kubeflow = try endpoint(
            configuration.kubeflow.host, configuration.kubeflow.tls, configuration.kubeflow.token, .kubeflow)
        outbox = Outbox(directory: configuration.outboxDirectory)
        limiter = TriggerRateLimiter(clock: configuration.clock)
        lookups = LookupCache(clock: configuration.clock, ttl: configuration.kubeflow.lookupTTL)
        routingMatrix = Mutex(configuration.routing)
    }

    /// Stops the HTTP clients; requests in flight fail as retryable.
    public func shutdown() async {
        await general.shutdown()
        await argo?.client.shutdown()
        await kubeflow?.client.shutdown()
    }

    /// Executes a fired trigger with its `rateLimit`, `retryStrategy` and `policy`.
    /// - Parameters:
    ///   - trigger: the trigger.
    ///   - sensor: its sensor (name for naming and labels, namespace as the workflows' default).
    ///   - events: the events it fired with, by dependency name.
    /// - Returns: the outcome; never throws.
    public func execute(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> TriggerOutcome {
        let identity = FiringIdentity(sensor: sensor.name, trigger: trigger.name, events: events)
        if let limit = trigger.rateLimit {
            do { try await limiter.take("\(sensor.name)/\(trigger.name)", limit: limit) } catch {
                return .retryable(reason: "cancelled while waiting for the rate limit", after: nil)
            }
        }
        if case .route = trigger.kind { return await routeTrigger(trigger, sensor: sensor, events: events) }
        return await withRetries(RetryPolicy(trigger.retryStrategy)) { () async -> Attempt in
            switch trigger.kind {
            case .argoWorkflow(let argoTrigger), .k8sWorkflow(let argoTrigger):
                await workflowAttempt(trigger, argoTrigger, sensor: sensor, events: events, identity: identity)
            case .kubeflowPipeline:
                await kubeflowAttempt(trigger, sensor: sensor, events: events, identity: identity)
            case .http:
                await httpAttempt(trigger, sensor: sensor, events: events)
            case .nats:
                await natsAttempt(trigger, sensor: sensor, events: events, identity: identity)
            case .log(let interval):
                logAttempt(identity: identity, events: events, interval: interval)
            case .route:
                .done(.permanent(reason: "trigger \(trigger.name): a route trigger is executed per event"))
            }
        }
    }

    /// Sends a request built with ``ArgoRequests`` (a routing decision) with Argo's outcome rules: a 409 on a
    /// create or submit (a `POST`) is confirmed through `identity`'s label; without a server it goes to the outbox.
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
        await withRetries(retry) { () async -> Attempt in
            await sendArgo(
                request, name: name, namespace: namespace, identity: identity, confirm: request.method == "POST")
        }
    }

    /// Starts a Kubeflow Pipelines run (a routing decision): resolves names to ids, creates the experiment when
    /// missing, looks for a run named `identity.name()` and creates one only if there is none.
    /// - Parameters:
    ///   - spec: the run.
    ///   - identity: the firing; the run's display name is `identity.name(prefix: displayNamePrefix)`.
    ///   - displayNamePrefix: the readable part of the display name.
    ///   - retry: the retry policy.
    public func createRun(
        _ spec: KFPRunSpec, identity: FiringIdentity, displayNamePrefix: String? = nil, retry: RetryPolicy = .once
    ) async -> TriggerOutcome {
        await withRetries(retry) { () async -> Attempt in
            await runAttempt(spec, displayName: identity.name(prefix: displayNamePrefix), identity: identity)
        }
    }

    // MARK: Retries

    func withRetries(_ policy: RetryPolicy, _ attempt: () async -> Attempt) async -> TriggerOutcome {
        let clock = configuration.clock
        let start = clock.now()
        var retries = 0
        var internalErrors = 0
        while true {
            let reason: String
            let after: Duration?
            let kind: Attempt.RetryKind
            switch await attempt() {
            case .done(let outcome): return outcome
            case .retry(let retryReason, let retryAfter, let retryKind):
                (reason, after, kind) = (retryReason, retryAfter, retryKind)
            }
            var delay = after ?? policy.delay(afterRetry: retries, random: configuration.random())
            var allowed = retries + 1 < policy.attempts
            switch kind {
            case .general:
                break
            case .notFound:
                if clock.now() - start >= configuration.notFoundGrace {
                    return .permanent(reason: reason)
                }
                allowed = true
                delay = max(delay, .milliseconds(500))
            case .internalError:
                internalErrors += 1
                if internalErrors >= configuration.internalErrorAttempts { return .permanent(reason: reason) }
                allowed = true
                delay = max(delay, .milliseconds(500))
            }
            guard allowed else { return .retryable(reason: reason, after: delay > .zero ? delay : after) }
            do { try await clock.sleep(for: delay) } catch {
                return .retryable(reason: reason, after: delay)
            }
            retries += 1
        }
    }

    // MARK: Sending

    /// Sends `request` to `endpoint` with JSON and the bearer token; transport failures end the attempt.
    func send(_ request: APIRequest, to endpoint: Endpoint) async throws(AttemptEnd) -> HTTPResponse {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if request.body != nil { headers.append(("Content-Type", "application/json")) }
        if let token = endpoint.token {
            do { headers.append(try token.authorizationHeader()) } catch {
                throw .permanent("\(endpoint.service.rawValue) token: \(error)")
            }
        }
        let http = HTTPRequest(
            method: request.method, url: endpoint.base + request.path, headers: headers,
            body: request.body.map(JSONCodec.encode) ?? [])
        do {
            return try await endpoint.client.execute(http)
        } catch {
            throw Self.transportEnd(error)
        }
    }

    static func transportEnd(_ error: HTTPTransportError) -> AttemptEnd {
        error.isRetryable
            ? AttemptEnd(attempt: .retry(reason: error.description, after: nil, kind: .general))
            : .permanent(error.description)
    }

    /// The attempt for a non-2xx answer of the given class.
    static func failure(_ responseClass: ResponseClass, reason: String) -> Attempt {
        switch responseClass {
        case .retryable(let after): .retry(reason: reason, after: after, kind: .general)
        case .notFound: .retry(reason: reason, after: nil, kind: .notFound)
        case .internalError: .retry(reason: reason, after: nil, kind: .internalError)
        case .success, .exists, .permanent: .done(.permanent(reason: reason))
        }
    }

    // MARK: Log

    func logAttempt(identity: FiringIdentity, events: [String: Event], interval: Int) -> Attempt {
        let key = "\(identity.sensor)/\(identity.trigger)"
        let now = configuration.clock.now()
        let due = lastLog.withLock { last -> Bool in
            if interval > 0, let previous = last[key], now - previous < .seconds(interval) { return false }
            last[key] = now
            return true
        }
        guard due else { return .done(.succeeded(detail: "log skipped (intervalSeconds \(interval))")) }
        for (dependency, event) in events.sorted(by: { $0.key < $1.key }) {
            let data = event.data.map(JSONCodec.encodeToString) ?? "null"
            configuration.log(
                "sensor \(identity.sensor) trigger \(identity.trigger): dependency \(dependency) event \(event.id) "
                    + "source \(event.source) type \(event.type) subject \(event.subject ?? "") data \(data)")
        }
        return .done(.succeeded(detail: "logged \(events.count) event(s)"))
    }

    static func trimmed(_ base: String) -> String {
        var text = Substring(base)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}

/// Name → id look-ups (KFP pipelines, versions, experiments), reused for a time-to-live.
final class LookupCache: Sendable {
    private let clock: any TriggerClock
    private let ttl: Duration
    private let entries = Mutex<[String: (id: String, expires: Duration)]>([:])

    init(clock: any TriggerClock, ttl: Duration) {
        self.clock = clock
        self.ttl = ttl
    }

    func get(_ key: String) -> String? {
        let now = clock.now()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.id
        }
    }

    func set(_ key: String, _ id: String) {
        let expires = clock.now() + ttl
        entries.withLock { $0[key] = (id, expires) }
    }
}
