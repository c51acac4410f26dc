public import Artifacts
import Foundation
public import HTTPTransport
public import Kubernetes
import SensorEngine
public import SensorModel

/// How a ``TriggerExecutor`` reaches the Argo Server, the Kubeflow Pipelines API and everything else.
///
/// - Configuration keys (`config/gateway.yaml`): `argo.server`, `argo.namespace`, `argo.tokenFile`,
///   `argo.insecureSkipVerify`, `argo.via`; `kubeflow.host`, `kubeflow.apiVersion`, `kubeflow.tokenFile`; `outbox`;
///   `processing.requestTimeout` (``requestTimeout``), `processing.executionTimeout` (``executionTimeout``).
///   ``applyingEnvironment(_:)`` lets the argo CLI's and the kfp SDK's variables override them.
public struct TriggerConfiguration: Sendable {
    /// The Argo Server.
    public struct Argo: Sendable {
        /// How Argo Workflows are reached (`argo.via`).
        public enum Via: String, Sendable, Hashable, CaseIterable {
            /// The Argo Server's REST API (`argo.server`), the default.
            case server
            /// The Kubernetes API: workflows are created and patched as `Workflow` resources, which Argo's
            /// controller runs; `retry` and `resubmit` need the Argo Server and are refused.
            case kubernetes
        }

        /// How Argo Workflows are reached, `server` by default.
        public var via: Via
        /// The base URL (`https://argo-server.argo:2746`); `nil` sends Argo requests to the outbox.
        public var server: String?
        /// The default namespace of workflows whose resource and sensor name none.
        public var namespace: String
        /// The bearer token (`argo.tokenFile`, or `ARGO_TOKEN`); `nil` sends none.
        public var token: BearerToken.Source?
        /// TLS settings (CA file, client certificate, `insecureSkipVerify`).
        public var tls: HTTPClient.Configuration.TLS

        /// Creates settings.
        public init(
            server: String? = nil, namespace: String = "argo", token: BearerToken.Source? = nil,
            tls: HTTPClient.Configuration.TLS = .init(), via: Via = .server
        ) {
            self.via = via
            self.server = server
            self.namespace = namespace
            self.token = token
            self.tls = tls
        }
    }

    /// The Kubeflow Pipelines API server.
    public struct Kubeflow: Sendable {
        /// The base URL (`http://ml-pipeline.kubeflow:8888`); `nil` sends KFP requests to the outbox.
        public var host: String?
        /// The API version, v2beta1 by default.
        public var apiVersion: KFPAPIVersion
        /// The bearer token (a projected token with audience `pipelines.kubeflow.org`); `nil` sends none.
        public var token: BearerToken.Source?
        /// TLS settings.
        public var tls: HTTPClient.Configuration.TLS
        /// How long a pipeline, version or experiment id found by name is reused (default 5 minutes).
        public var lookupTTL: Duration

        /// Creates settings.
        public init(
            host: String? = nil, apiVersion: KFPAPIVersion = .v2beta1, token: BearerToken.Source? = nil,
            tls: HTTPClient.Configuration.TLS = .init(), lookupTTL: Duration = .seconds(300)
        ) {
            self.host = host
            self.apiVersion = apiVersion
            self.token = token
            self.tls = tls
            self.lookupTTL = lookupTTL
        }
    }

    /// How `source.git` and `source.configmap` of `argoWorkflow` and `k8s` triggers are read (`source.s3` and
    /// `source.url` use the general HTTP client, Secrets come from ``secretsDirectory``).
    public struct Artifacts: Sendable {
        /// Where git clones are kept, one per repository URL (`artifacts.gitCache`, default `.sensor-gateway/git`).
        public var gitCacheDirectory: String
        /// How old a clone's last fetch may be before a firing fetches again (`artifacts.gitFetchInterval`, default
        /// 1 minute).
        public var gitFetchInterval: Duration
        /// Reads ConfigMaps; `nil` makes a `configmap` source fail permanently, saying no Kubernetes API is
        /// configured.
        public var configMaps: (any ConfigMapReading)?
        /// How long a ConfigMap read is reused (`artifacts.configMapTTL`, default 10 seconds).
        public var configMapTTL: Duration

        /// Creates settings.
        public init(
            gitCacheDirectory: String = ".sensor-gateway/git", gitFetchInterval: Duration = .seconds(60),
            configMaps: (any ConfigMapReading)? = nil, configMapTTL: Duration = .seconds(10)
        ) {
            self.gitCacheDirectory = gitCacheDirectory
            self.gitFetchInterval = gitFetchInterval
            self.configMaps = configMaps
            self.configMapTTL = configMapTTL
        }
    }

    /// The Argo Server.
    public var argo: Argo
    /// The Kubeflow Pipelines API.
    public var kubeflow: Kubeflow
    /// The Kubernetes API of `k8s` triggers (and of Argo with ``Argo/Via/kubernetes``); `nil`: none. Owned by the
    /// caller, who shuts it down after the executor.
    public var kubernetes: KubernetesClient?
    /// Where requests go when their server is not configured (`outbox`); `nil`: nowhere, such a trigger fails
    /// (the gateway refuses to start with one).
    public var outboxDirectory: String?
    /// Every trigger's request goes to the outbox, `http` triggers' too (`run --dry-run`); needs `outboxDirectory`.
    public var dryRun: Bool
    /// Publishes `nats` triggers; `nil` writes them to the outbox.
    public var publisher: (any TriggerPublisher)?
    /// The routing matrix `route` triggers send their events through (`routing`); `nil` makes them permanent
    /// failures.
    public var routing: RoutingMatrix?
    /// Where `secureHeaders[].valueFrom.secretKeyRef` files and the Secrets of trigger sources (S3 keys, git
    /// credentials) are mounted: `<directory>/<secret>/<key>` (`secrets.directory`, default `/argo-events/secrets`,
    /// as Argo Events mounts them).
    public var secretsDirectory: String
    /// How trigger sources are read.
    public var artifacts: Artifacts
    /// The environment `secureHeaders[].valueFrom.env` reads (by default the process's).
    public var environment: [String: String]
    /// The clock of retries, rate limits, caches and log intervals.
    public var clock: any TriggerClock
    /// A number in `[0, 1)` per retry: the share of `retryStrategy.jitter` added to a wait.
    public var random: @Sendable () -> Double
    /// Where the `log` trigger writes (one line per firing).
    public var log: @Sendable (String) -> Void
    /// How long a 404 is taken for a template created a moment ago and retried (default 2 s).
    public var notFoundGrace: Duration
    /// How many 500 answers in one execution are retried before the outcome is permanent (default 3 attempts).
    public var internalErrorAttempts: Int
    /// Connect timeout of every request (default 5 s).
    public var connectTimeout: Duration
    /// Total timeout of Argo and KFP requests (default 30 s; `processing.requestTimeout` in `gateway.yaml`); `http`
    /// triggers use their own `timeout`.
    public var requestTimeout: Duration
    /// Where firings of targets without an idempotency key (Kubeflow runs, Kubernetes objects with a fixed name,
    /// `http` triggers with `exactlyOnce`) are claimed before they are executed; `nil`: they are not (one process,
    /// or the outbox).
    public var claims: (any FiringClaims)?
    /// How long a claimed firing's execution may take before it is cancelled and counted retryable, and after which
    /// (plus the longest request) its claim may be taken over (`processing.executionTimeout`, default 2 minutes).
    public var executionTimeout: Duration
    /// This process in claim records: `host/pid` by default (in a pod, the host name is the pod's name).
    public var replica: String
    /// How often a claim held by another replica is read again (default 1 s).
    public var claimPollInterval: Duration

    /// Creates a configuration; with no server or host, the outbox takes what would go there. A `nil` environment
    /// is the process's.
    public init(
        argo: Argo = Argo(), kubeflow: Kubeflow = Kubeflow(), kubernetes: KubernetesClient? = nil,
        outboxDirectory: String? = nil, dryRun: Bool = false,
        publisher: (any TriggerPublisher)? = nil, routing: RoutingMatrix? = nil,
        secretsDirectory: String = "/argo-events/secrets", artifacts: Artifacts = Artifacts(),
        environment: [String: String]? = nil, clock: any TriggerClock = SystemTriggerClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        log: @escaping @Sendable (String) -> Void = { print($0) }, notFoundGrace: Duration = .seconds(2),
        internalErrorAttempts: Int = 3, connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(30),
        claims: (any FiringClaims)? = nil, executionTimeout: Duration = .seconds(120), replica: String? = nil,
        claimPollInterval: Duration = .seconds(1)
    ) {
        self.argo = argo
        self.kubeflow = kubeflow
        self.kubernetes = kubernetes
        self.outboxDirectory = outboxDirectory
        self.dryRun = dryRun
        self.publisher = publisher
        self.routing = routing
        self.secretsDirectory = secretsDirectory
        self.artifacts = artifacts
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.clock = clock
        self.random = random
        self.log = log
        self.notFoundGrace = notFoundGrace
        self.internalErrorAttempts = internalErrorAttempts
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.claims = claims
        self.executionTimeout = executionTimeout
        self.replica = replica ?? "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
        self.claimPollInterval = claimPollInterval
    }

    /// The configuration with the argo CLI's and the kfp SDK's environment variables applied over it:
    /// `ARGO_SERVER` (`host:port`, `http://` when `ARGO_SECURE=false`, else `https://`), `ARGO_TOKEN` (the whole
    /// header value, `Bearer …`), `ARGO_NAMESPACE`, `ARGO_INSECURE_SKIP_VERIFY=true`, `KF_PIPELINES_ENDPOINT`
    /// (`https://` added when it has no scheme) and `KF_PIPELINES_SA_TOKEN_PATH`.
    /// - Parameter environment: the variables, e.g. `ProcessInfo.processInfo.environment`.
    public func applyingEnvironment(_ environment: [String: String]) -> TriggerConfiguration {
        var copy = self
        if let server = environment["ARGO_SERVER"], !server.isEmpty {
            let secure = environment["ARGO_SECURE"] != "false"
            copy.argo.server = server.contains("://") ? server : (secure ? "https://" : "http://") + server
        }
        if let token = environment["ARGO_TOKEN"], !token.isEmpty {
            copy.argo.token = .value(token.hasPrefix("Bearer ") ? String(token.dropFirst(7)) : token)
        }
        if let namespace = environment["ARGO_NAMESPACE"], !namespace.isEmpty { copy.argo.namespace = namespace }
        if environment["ARGO_INSECURE_SKIP_VERIFY"] == "true" { copy.argo.tls.insecureSkipVerify = true }
        if let endpoint = environment["KF_PIPELINES_ENDPOINT"], !endpoint.isEmpty {
            copy.kubeflow.host = endpoint.contains("://") ? endpoint : "https://" + endpoint
        }
        if let path = environment["KF_PIPELINES_SA_TOKEN_PATH"], !path.isEmpty { copy.kubeflow.token = .file(path) }
        return copy
    }
}

extension TriggerConfiguration.Argo: CustomStringConvertible, CustomReflectable {
    /// `argo via=<server | kubernetes> server=<url> namespace=<ns> token=<file path | value | none>`: never the token itself.
    public var description: String {
        "argo via=\(via.rawValue) server=\(server ?? "none") namespace=\(namespace) token=\(TriggerConfiguration.describe(token))"
    }

    /// The description only, so `dump` and `String(reflecting:)` cannot show a token either.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

extension TriggerConfiguration.Kubeflow: CustomStringConvertible, CustomReflectable {
    /// `kubeflow host=<url> apiVersion=<v> token=<file path | value | none>`: never the token itself.
    public var description: String {
        "kubeflow host=\(host ?? "none") apiVersion=\(apiVersion.rawValue) "
            + "token=\(TriggerConfiguration.describe(token))"
    }

    /// The description only, so `dump` and `String(reflecting:)` cannot show a token either.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

extension TriggerConfiguration {
    static func describe(_ token: BearerToken.Source?) -> String {
        switch token {
        case .file(let path)?: "file \(path)"
        case .value?: "(value)"
        case nil: "none"
        }
    }
}

extension ArgoWorkflowTrigger.Operation {
    /// Whether only the Argo Server performs it (`retry`, `resubmit`): with `argo.via: kubernetes` a trigger with it
    /// cannot run.
    public var needsArgoServer: Bool { ArgoViaKubernetes.serverOnlyOperations.contains(self) }
}
