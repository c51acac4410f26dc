public import ConfigReader
public import EventSources
import Foundation
public import JetStream
public import Kubernetes
import SensorEngine
import SensorModel
public import Triggers

/// A value that must never be printed: its description is always `<redacted>`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; hand it only to the library that sends it.
    public let value: String

    /// Wraps `value`.
    public init(_ value: String) {
        self.value = value
    }

    /// `<redacted>`.
    public var description: String { "<redacted>" }
    /// `<redacted>`.
    public var debugDescription: String { description }
    /// Reflection (`dump`) shows `<redacted>` only.
    public var customMirror: Mirror { Mirror(self, children: ["value": "<redacted>"]) }
}

/// The gateway's settings: `config/gateway.yaml`, then the environment variables the argo CLI and the kfp SDK read.
///
/// - Configuration keys (relative paths are resolved against the working directory); optionally
///   `apiVersion: sensor-gateway/v1alpha1` and `kind: GatewayConfiguration`:
///   - `nats.urls` (list of URLs, default `[nats://127.0.0.1:4222]`; env `NATS_URL`, comma-separated),
///     `nats.stream` (default `EVENTS`), `nats.subjectPrefix` (default `events`), `nats.dlqSubject` (default
///     `dlq.sensor-gateway`), `nats.credentialsFile`, `nats.token` (secret), `nats.tls.ca|cert|key`.
///   - `sensors` (file or directory, default `config/sensors`; or a mapping of `files`, that path, and `kubernetes`,
///     Sensor objects: `namespaces`, a list, empty for all, and `selector`, a label selector; see
///     ``KubernetesSensorSource``), `routing` (default `config/routing.yaml`).
///   - `argo.server` (env `ARGO_SERVER`; `ARGO_SECURE=false` makes a bare host `http://`), `argo.namespace`
///     (default `argo`; env `ARGO_NAMESPACE`), `argo.tokenFile`, env `ARGO_TOKEN` (secret),
///     `argo.insecureSkipVerify` (env `ARGO_INSECURE_SKIP_VERIFY`), `argo.tls.ca|cert|key`, `argo.via` (`server`,
///     the default, or `kubernetes`: workflows as resources through the Kubernetes API).
///   - `kubeflow.host` (env `KF_PIPELINES_ENDPOINT`), `kubeflow.apiVersion` (default `v2beta1`), `kubeflow.tokenFile`
///     (env `KF_PIPELINES_SA_TOKEN_PATH`), `kubeflow.insecureSkipVerify`, `kubeflow.tls.ca|cert|key`.
///   - `kubernetes.server`, `kubernetes.tokenFile`, `kubernetes.ca`, `kubernetes.clientCertificate`,
///     `kubernetes.clientKey`, `kubernetes.insecureSkipVerify`, `kubernetes.namespace`, `kubernetes.kubeconfig`: see
///     ``kubernetesConnection(environment:homeDirectory:)``.
///   - `admin.listen` (`host:port`, default `127.0.0.1:9090`), `admin.tokenFile` (a bearer token `/status` and
///     `/metrics` require), `admin.readiness.consumerStallTimeout` (default `5m`; `0` turns it off),
///     `admin.readiness.natsDisconnectGrace` (default `15s`).
///   - `console.argoUIBaseURL`, `console.kfpUIBaseURL` (unset by default): the Argo Workflows and Kubeflow Pipelines
///     UIs the console's firings link to (``ConsoleSettings``).
///   - `outbox` (unset by default): where the requests of engines without an endpoint are written instead of sent.
///   - Gateway extensions: `jetstream.specs` (default `specs/jetstream`), `processing.concurrency` (default 16),
///     `processing.fetchBatch` (default 256), `processing.drainTimeout` (default `10s`),
///     `processing.retryDelay` (default `5s`), `processing.reloadInterval` (between config file checks, default
///     `2s`; `0` turns polling off), `processing.requestTimeout` (what an Argo or KFP request may take in all,
///     default `30s`; more than 0), `processing.executionTimeout` (what a claimed firing may take, default `2m`; more
///     than 0).
///   - `sources.http` and `sources.schedules`: see ``EventSourcesConfiguration``.
///   - `secrets.directory`: where Kubernetes Secrets are mounted, `<directory>/<secret>/<key>` (default
///     `/argo-events/secrets`, as in Argo Events' sensor pods): `secureHeaders`, S3 keys, git credentials.
///   - `artifacts.gitCache` (default `.sensor-gateway/git`), `artifacts.gitFetchInterval` (default `1m`),
///     `artifacts.configMapTTL` (default `10s`): how trigger `source`s are read.
///   - `tracing.enabled`, `tracing.endpoint`, `tracing.protocol`, `tracing.serviceName`, `tracing.resourceAttributes`,
///     `tracing.sampler`, `tracing.samplerArg`, `tracing.batch.*`: see ``Tracing``; the standard `OTEL_*` variables
///     override them.
/// - Reader rules, shared with every configuration file: durations are Go durations (`500ms`, `30s`, `1h30m`, `0`;
///   a plain number is still read as seconds here), booleans follow Go's `strconv.ParseBool` (in the environment
///   too), an unknown key is an error naming the key it is probably a typo of.
public struct GatewayConfiguration: Sendable, CustomStringConvertible, CustomReflectable {
    /// `nats:`.
    public struct NATS: Sendable {
        /// `nats.urls`.
        public var urls: [String] = ["nats://127.0.0.1:4222"]
        /// `nats.stream`: the stream the events are in.
        public var stream = "EVENTS"
        /// `nats.subjectPrefix`: dependency subjects are `<prefix>.<eventSourceName>.<eventName>`.
        public var subjectPrefix = "events"
        /// `nats.dlqSubject`: where dead letters are published.
        public var dlqSubject = "dlq.sensor-gateway"
        /// `nats.credentialsFile`.
        public var credentialsFile: String?
        /// `nats.token`.
        public var token: Secret?
        /// `nats.tls`.
        public var tls: ConnectionOptions.TLS?
    }

    /// `argo:`.
    public struct Argo: Sendable {
        /// `argo.server`; nil: argoWorkflow triggers need the outbox.
        public var server: String?
        /// `argo.namespace`.
        public var namespace = "argo"
        /// `argo.tokenFile`.
        public var tokenFile: String?
        /// `ARGO_TOKEN`.
        public var token: Secret?
        /// `argo.insecureSkipVerify`.
        public var insecureSkipVerify = false
        /// `argo.tls.ca|cert|key`: the CA file to trust and a client certificate for mutual TLS.
        public var tls: TLSFiles?
        /// `argo.via`: through the Argo Server (`server`) or the Kubernetes API (`kubernetes`).
        public var via = TriggerConfiguration.Argo.Via.server
    }

    /// `kubeflow:`.
    public struct Kubeflow: Sendable {
        /// `kubeflow.host`; nil: kubeflowPipeline triggers need the outbox.
        public var host: String?
        /// `kubeflow.apiVersion`.
        public var apiVersion = "v2beta1"
        /// `kubeflow.tokenFile`.
        public var tokenFile: String?
        /// `kubeflow.insecureSkipVerify`.
        public var insecureSkipVerify = false
        /// `kubeflow.tls.ca|cert|key`.
        public var tls: TLSFiles?
    }

    /// `processing:` (gateway extension).
    public struct Processing: Sendable {
        /// Messages per consumer whose triggers (correlation, execution) run at once.
        public var concurrency = 16
        /// Messages asked for per pull request; each batch is decoded and filtered in one task.
        public var fetchBatch = 256
        /// How long a shutdown waits for in-flight messages before nak'ing them.
        public var drainTimeout: Duration = .seconds(10)
        /// The redelivery delay of a retryable failure that names none.
        public var retryDelay: Duration = .seconds(5)
        /// How often the config and sensor files are checked for changes; zero: only on SIGHUP.
        public var reloadInterval: Duration = .seconds(2)
        /// The total timeout of an Argo or KFP request (`TriggerConfiguration.requestTimeout`); `http` triggers
        /// use their own `timeout`.
        public var requestTimeout: Duration = .seconds(30)
        /// How long a claimed firing (a Kubeflow run, a Kubernetes object with a fixed name, an `http` trigger with
        /// `exactlyOnce`) may execute before it is cancelled and retried; its claim may be taken over that long (plus
        /// one request) after it was made. The shipped consumer's `ack_wait` equals it.
        public var executionTimeout: Duration = .seconds(120)
    }

    /// `artifacts:` (gateway extension): how `argoWorkflow` and `k8s` trigger sources are read.
    public struct Artifacts: Sendable {
        /// `artifacts.gitCache`: where git clones are kept, one per repository URL.
        public var gitCache = ".sensor-gateway/git"
        /// `artifacts.gitFetchInterval`: how old a clone's last fetch may be before a firing fetches again.
        public var gitFetchInterval: Duration = .seconds(60)
        /// `artifacts.configMapTTL`: how long a ConfigMap read is reused.
        public var configMapTTL: Duration = .seconds(10)
    }

    /// The file this was read from.
    public var file: String
    /// `nats:`.
    public var nats = NATS()
    /// `sensors` (or `sensors.files`): the sensor file or directory; `nil` when the `sensors` mapping names none.
    public var sensors: String? = "config/sensors"
    /// `sensors.kubernetes`: Sensor objects read from the Kubernetes API; `nil`: none.
    public var kubernetesSensors: KubernetesSensorSource?
    /// `routing`.
    public var routing = "config/routing.yaml"
    /// `argo:`.
    public var argo = Argo()
    /// `kubeflow:`.
    public var kubeflow = Kubeflow()
    /// `kubernetes:`: the Kubernetes API connection's settings; `nil` (absent): in-cluster or a kubeconfig.
    public var kubernetes: KubernetesConnection.Settings?
    /// `admin.listen` host.
    public var adminHost = "127.0.0.1"
    /// `admin.listen` port.
    public var adminPort = 9090
    /// `admin.tokenFile`: when set, `/status` and `/metrics` answer only requests that carry its content as a bearer
    /// token; the probes stay open.
    public var adminTokenFile: String?
    /// `admin.readiness`: when `/readyz` fails.
    public var readiness = GatewayState.Readiness()
    /// `console:`: the links of the console at `GET /`.
    public var console = ConsoleSettings()
    /// `outbox`; `nil`: none.
    public var outbox: String?
    /// `jetstream.specs`.
    public var specs = "specs/jetstream"
    /// `processing:`.
    public var processing = Processing()
    /// `secrets.directory`: where Kubernetes Secrets are mounted.
    public var secretsDirectory = "/argo-events/secrets"
    /// `artifacts:`.
    public var artifacts = Artifacts()
    /// `sources:`: the HTTP event endpoint and the schedules (none by default).
    public var sources = EventSourcesConfiguration()
    /// `tracing:`: OpenTelemetry traces (off by default).
    public var tracing = Tracing()

    /// The NATS connection options (credentials included, never printed).
    public var connectionOptions: ConnectionOptions {
        var authentication = ConnectionOptions.Authentication.none
        if let file = nats.credentialsFile {
            authentication = .credentialsFile(path: file)
        } else if let token = nats.token {
            authentication = .token(token.value)
        }
        var options = ConnectionOptions(
            urls: nats.urls, name: "sensor-gateway", authentication: authentication, tls: nats.tls)
        // A batch of messages that pass no filter is acked in one write, not one per message.
        options.coalescesAcks = true
        return options
    }

    /// A summary for logs: no secret, only whether one is set.
    public var description: String {
        "nats=\(NATSConnection.redacted(nats.urls)) stream=\(nats.stream) sensors=\(sensors ?? "none") argo=\(argo.server ?? "none")"
            + " kubeflow=\(kubeflow.host ?? "none") admin=\(adminHost):\(adminPort) outbox=\(outbox ?? "none")"
            + " natsToken=\(nats.token == nil ? "unset" : "set") argoToken=\(argo.token == nil ? "unset" : "set")"
    }

    /// Reflection (`dump`) shows ``description`` only, so credentials in a NATS URL stay hidden.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }

    /// The `apiVersion` the file may declare (with `kind: GatewayConfiguration`, which `validate` checks beside
    /// sensors).
    public static let apiVersion = "sensor-gateway/v1alpha1"

    /// Defaults only.
    public init(file: String = "<defaults>") {
        self.file = file
    }

    /// Reads `path`, then applies the process environment.
    /// - Throws: ``ConfigurationError`` with every problem, each at its `file:line:col`.
    public static func load(path: String) throws(ConfigurationError) -> GatewayConfiguration {
        try load(path: path, environment: ProcessInfo.processInfo.environment)
    }

    /// Reads `path`, then applies `environment`.
    /// - Parameters:
    ///   - path: the YAML file.
    ///   - environment: the variables to honour.
    /// - Throws: ``ConfigurationError`` with every problem, each at its `file:line:col`.
    public static func load(path: String, environment: [String: String]) throws(ConfigurationError)
        -> GatewayConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path, environment: environment)
    }

    /// Parses YAML text, then applies the environment.
    /// - Throws: ``ConfigurationError`` with every problem, each at its `file:line:col`.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws(ConfigurationError)
        -> GatewayConfiguration
    {
        let documents = try YAMLTree.documents(of: text, file: file).filter { !$0.isNull }
        if documents.count > 1 {
            throw ConfigurationError(at: documents[1].location, "a gateway configuration is one YAML document")
        }
        var configuration = GatewayConfiguration(file: file)
        if let document = documents.first {
            var diagnostics = Diagnostics()
            configuration = decode(document, diagnostics: &diagnostics)
            try diagnostics.throwIfErrors()
        }
        try configuration.apply(environment: environment)
        return configuration
    }
}
