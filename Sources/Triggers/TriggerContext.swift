import Artifacts
import EventModel
import HTTPTransport
import SensorEngine
import Synchronization

/// What every trigger kind's executor shares: the configuration, the HTTP clients of the servers, the outbox, the
/// name → id look-ups, and the retry loop. Owns no kind's rules.
final class TriggerContext: Sendable {
    /// A configured server.
    struct Endpoint: Sendable {
        let base: String
        let client: HTTPClient
        let token: BearerToken?
        let service: Service
    }

    let configuration: TriggerConfiguration
    /// The Argo Server; `nil` writes Argo requests to the outbox.
    let argo: Endpoint?
    /// The Kubeflow Pipelines API; `nil` writes runs to the outbox.
    let kubeflow: Endpoint?
    /// The client of `http` triggers and of `source.url` and `source.s3`.
    let general: HTTPClient
    /// Where requests of unconfigured servers go; `nil` without `outbox`.
    let outbox: Outbox?
    let lookups: LookupCache
    /// Reads the resources of `argoWorkflow` and `k8s` trigger sources (url, file, s3, git, configmap).
    let artifacts: ArtifactReader

    /// Starts the HTTP clients (one per server, one for everything else).
    /// - Throws: ``HTTPTransportError`` when libcurl cannot be initialised.
    init(configuration: TriggerConfiguration) throws(HTTPTransportError) {
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
        outbox = configuration.outboxDirectory.map(Outbox.init(directory:))
        let clock = configuration.clock
        artifacts = ArtifactReader(
            configuration: .init(
                secretsDirectory: configuration.secretsDirectory,
                gitCacheDirectory: configuration.artifacts.gitCacheDirectory,
                gitFetchInterval: configuration.artifacts.gitFetchInterval,
                configMaps: configuration.artifacts.configMaps, configMapTTL: configuration.artifacts.configMapTTL,
                now: { clock.now() }),
            client: general)
        lookups = LookupCache(clock: configuration.clock, ttl: configuration.kubeflow.lookupTTL)
    }

    /// Stops the HTTP clients; requests in flight fail as retryable.
    func shutdown() async {
        await general.shutdown()
        await argo?.client.shutdown()
        await kubeflow?.client.shutdown()
    }

    // MARK: Retries

    /// Runs `attempt` until it is final or `policy` is used up. A 404 is retried within
    /// ``TriggerConfiguration/notFoundGrace`` and a 500 up to ``TriggerConfiguration/internalErrorAttempts`` times
    /// whatever the policy, then they are permanent; a retryable failure left over carries the next backoff.
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
        // A cancelled execution (past its execution timeout, or shutting down) sends nothing more.
        guard !Task.isCancelled else {
            throw AttemptEnd(
                attempt: .retry(reason: "cancelled before sending a \(request.method)", after: nil, kind: .general))
        }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if request.body != nil { headers.append(("Content-Type", "application/json")) }
        let trace = TriggerTrace.current
        if let trace { headers += trace.headers }
        if let token = endpoint.token {
            do { headers.append(try token.authorizationHeader()) } catch {
                throw .permanent("\(endpoint.service.rawValue) token: \(error)")
            }
        }
        let http = HTTPRequest(
            method: request.method, url: endpoint.base + request.path, headers: headers,
            body: request.body.map(JSONCodec.encode) ?? [])
        let response: HTTPResponse
        do {
            response = try await endpoint.client.execute(http)
        } catch {
            throw Self.transportEnd(error)
        }
        trace?.answered(method: request.method, url: http.redactedURL, status: response.status)
        return response
    }

    /// The end of an attempt whose request did not get an answer.
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

    /// What `missing` names for the Kubernetes API.
    static let kubernetesSetting =
        "a Kubernetes API (the kubernetes section of gateway.yaml, in-cluster, or a kubeconfig)"

    /// Writes an outbox record: succeeded when new, already done when the file exists; a permanent failure naming
    /// `missing`, the setting that would have sent it, when there is no outbox.
    func writeOutbox(_ record: Outbox.Record, what: String, missing: String) -> Attempt {
        guard let outbox else {
            return .done(.permanent(reason: "\(what) not sent: \(missing) is not configured, and no outbox is"))
        }
        do {
            let (path, created) = try outbox.write(record)
            return .done(
                created
                    ? .succeeded(detail: "\(what) written to the outbox \(path)")
                    : .alreadyDone(detail: "\(what) already in the outbox \(path)"))
        } catch {
            return .done(.permanent(reason: error.description))
        }
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
