import Foundation
public import JetStream
import SensorModel
import SensorEngine
import Yams
public import ConfigReader
public import EventSources

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
///   - `sensors` (file or directory, default `config/sensors`), `routing` (default `config/routing.yaml`).
///   - `argo.server` (env `ARGO_SERVER`; `ARGO_SECURE=false` makes a bare host `http://`), `argo.namespace`
///     (default `argo`; env `ARGO_NAMESPACE`), `argo.tokenFile`, env `ARGO_TOKEN` (secret),
///     `argo.insecureSkipVerify` (env `ARGO_INSECURE_SKIP_VERIFY`), `argo.tls.ca|cert|key`.
///   - `kubeflow.host` (env `KF_PIPELINES_ENDPOINT`), `kubeflow.apiVersion` (default `v2beta1`), `kubeflow.tokenFile`
///     (env `KF_PIPELINES_SA_TOKEN_PATH`), `kubeflow.insecureSkipVerify`, `kubeflow.tls.ca|cert|key`.
///   - `admin.listen` (`host:port`, default `127.0.0.1:9090`).
///   - `outbox` (default `.sensor-gateway/outbox`).
///   - Gateway extensions: `jetstream.specs` (default `specs/jetstream`), `processing.concurrency` (default 16),
///     `processing.fetchBatch` (default 256), `processing.drainTimeout` (seconds, default 10),
///     `processing.retryDelay` (seconds, default 5), `processing.reloadInterval` (seconds between config file
///     checks, default 2; 0 turns polling off), `processing.requestTimeout` (seconds an Argo or KFP request may take
///     in all, default 30; more than 0).
///   - `sources.http` and `sources.schedules`: see ``EventSourcesConfiguration``.
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
        /// `argo.server`; nil: the outbox stands in.
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
    }

    /// `kubeflow:`.
    public struct Kubeflow: Sendable {
        /// `kubeflow.host`; nil: the outbox stands in.
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
    }

    /// The file this was read from.
    public var file: String
    /// `nats:`.
    public var nats = NATS()
    /// `sensors`.
    public var sensors = "config/sensors"
    /// `routing`.
    public var routing = "config/routing.yaml"
    /// `argo:`.
    public var argo = Argo()
    /// `kubeflow:`.
    public var kubeflow = Kubeflow()
    /// `admin.listen` host.
    public var adminHost = "127.0.0.1"
    /// `admin.listen` port.
    public var adminPort = 9090
    /// `outbox`.
    public var outbox = ".sensor-gateway/outbox"
    /// `jetstream.specs`.
    public var specs = "specs/jetstream"
    /// `processing:`.
    public var processing = Processing()
    /// `sources:`: the HTTP event endpoint and the schedules (none by default).
    public var sources = EventSourcesConfiguration()

    /// The NATS connection options (credentials included, never printed).
    public var connectionOptions: ConnectionOptions {
        var authentication = ConnectionOptions.Authentication.none
        if let file = nats.credentialsFile {
            authentication = .credentialsFile(path: file)
        } else if let token = nats.token {
            authentication = .token(token.value)
        }
        return ConnectionOptions(urls: nats.urls, name: "sensor-gateway", authentication: authentication, tls: nats.tls)
    }

    /// A summary for logs: no secret, only whether one is set.
    public var description: String {
        "nats=\(NATSConnection.redacted(nats.urls)) stream=\(nats.stream) sensors=\(sensors) argo=\(argo.server ?? "outbox")"
            + " kubeflow=\(kubeflow.host ?? "outbox") admin=\(adminHost):\(adminPort) outbox=\(outbox)"
            + " natsToken=\(nats.token == nil ? "unset" : "set") argoToken=\(argo.token == nil ? "unset" : "set")"
    }

    /// Reflection (`dump`) shows ``description`` only, so credentials in a NATS URL stay hidden.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }

    /// The `apiVersion` the file may declare (with `kind: GatewayConfiguration`, so `validate` skips it beside
    /// sensors).
    public static let apiVersion = "sensor-gateway/v1alpha1"

    /// Defaults only.
    public init(file: String = "<defaults>") {
        self.file = file
    }

    /// Reads `path`, then applies the process environment.
    /// - Throws: ``ConfigurationError`` naming the file and key of the first problem.
    public static func load(path: String) throws(ConfigurationError) -> GatewayConfiguration {
        try load(path: path, environment: ProcessInfo.processInfo.environment)
    }

    /// Reads `path`, then applies `environment`.
    /// - Parameters:
    ///   - path: the YAML file.
    ///   - environment: the variables to honour.
    /// - Throws: ``ConfigurationError`` naming the file and key of the first problem.
    public static func load(path: String, environment: [String: String]) throws(ConfigurationError)
        -> GatewayConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, key: "", reason: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path, environment: environment)
    }

    /// Parses YAML text, then applies the environment.
    /// - Throws: ``ConfigurationError`` naming the file and key of the first problem.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws(ConfigurationError)
        -> GatewayConfiguration
    {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, key: "", reason: "not valid YAML: \(error)")
        }
        var configuration = GatewayConfiguration(file: file)
        if let root {
            try configuration.read(YAMLSection(node: root, key: "", file: file))
        }
        try configuration.apply(environment: environment)
        return configuration
    }

    private mutating func read(_ root: YAMLSection) throws(ConfigurationError) {
        try root.checkKeys([
            "apiVersion", "kind", "nats", "sensors", "routing", "argo", "kubeflow", "admin", "outbox", "jetstream",
            "processing", "sources",
        ])
        if let apiVersion = try root.string("apiVersion"), apiVersion != Self.apiVersion {
            throw root.error("apiVersion", "expected \(Self.apiVersion), found \"\(apiVersion)\"")
        }
        if let kind = try root.string("kind"), kind != SensorLoader.gatewayConfigurationKind {
            throw root.error("kind", "expected \(SensorLoader.gatewayConfigurationKind), found \"\(kind)\"")
        }
        if let section = try root.section("nats") {
            try section.checkKeys(["urls", "stream", "subjectPrefix", "dlqSubject", "credentialsFile", "token", "tls"])
            if let urls = try section.stringList("urls") {
                guard !urls.isEmpty else { throw section.error("urls", "needs at least one URL") }
                nats.urls = urls
            }
            nats.stream = try section.string("stream") ?? nats.stream
            nats.subjectPrefix = try section.string("subjectPrefix") ?? nats.subjectPrefix
            nats.dlqSubject = try section.string("dlqSubject") ?? nats.dlqSubject
            nats.credentialsFile = try section.string("credentialsFile")
            nats.token = try section.string("token").map(Secret.init)
            if let tls = try section.section("tls")?.tlsFiles() {
                nats.tls = ConnectionOptions.TLS(
                    caFile: tls.caFile, certificateFile: tls.certificateFile, keyFile: tls.keyFile)
            }
        }
        sensors = try root.string("sensors") ?? sensors
        routing = try root.string("routing") ?? routing
        outbox = try root.string("outbox") ?? outbox
        if let section = try root.section("argo") {
            try section.checkKeys(["server", "namespace", "tokenFile", "insecureSkipVerify", "tls"])
            argo.server = try section.string("server")
            argo.namespace = try section.string("namespace") ?? argo.namespace
            argo.tokenFile = try section.string("tokenFile")
            argo.insecureSkipVerify = try section.bool("insecureSkipVerify") ?? false
            argo.tls = try section.section("tls")?.tlsFiles()
        }
        if let section = try root.section("kubeflow") {
            try section.checkKeys(["host", "apiVersion", "tokenFile", "insecureSkipVerify", "tls"])
            kubeflow.host = try section.string("host")
            kubeflow.apiVersion = try section.string("apiVersion") ?? kubeflow.apiVersion
            guard ["v2beta1", "v1beta1"].contains(kubeflow.apiVersion) else {
                throw section.error("apiVersion", "expected v2beta1 or v1beta1, found \"\(kubeflow.apiVersion)\"")
            }
            kubeflow.tokenFile = try section.string("tokenFile")
            kubeflow.insecureSkipVerify = try section.bool("insecureSkipVerify") ?? false
            kubeflow.tls = try section.section("tls")?.tlsFiles()
        }
        if let section = try root.section("admin") {
            try section.checkKeys(["listen"])
            if let listen = try section.string("listen") {
                guard let (host, port) = ListenAddress.hostAndPort(listen) else {
                    throw section.error("listen", "expected host:port with a port of 0–65535, found \"\(listen)\"")
                }
                (adminHost, adminPort) = (host, port)
            }
        }
        if let section = try root.section("jetstream") {
            try section.checkKeys(["specs"])
            specs = try section.string("specs") ?? specs
        }
        if let section = try root.section("sources") {
            sources = try EventSourcesConfiguration(section)
        }
        if let section = try root.section("processing") {
            try section.checkKeys([
                "concurrency", "fetchBatch", "drainTimeout", "retryDelay", "reloadInterval", "requestTimeout",
            ])
            if let concurrency = try section.integer("concurrency") {
                guard (1...1024).contains(concurrency) else { throw section.error("concurrency", "must be 1–1024") }
                processing.concurrency = concurrency
            }
            if let fetchBatch = try section.integer("fetchBatch") {
                guard (1...4096).contains(fetchBatch) else { throw section.error("fetchBatch", "must be 1–4096") }
                processing.fetchBatch = fetchBatch
            }
            processing.drainTimeout = try section.seconds("drainTimeout") ?? processing.drainTimeout
            processing.retryDelay = try section.seconds("retryDelay") ?? processing.retryDelay
            processing.reloadInterval = try section.seconds("reloadInterval") ?? processing.reloadInterval
            if let timeout = try section.seconds("requestTimeout") {
                // curl takes 0 for "no timeout": a hanging server would hold the message forever.
                guard timeout > .zero else { throw section.error("requestTimeout", "must be more than 0") }
                processing.requestTimeout = timeout
            }
        }
    }

    private mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func flag(_ name: String) throws(ConfigurationError) -> Bool? {
            guard let text = value(name) else { return nil }
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw ConfigurationError(file: "environment", key: name, reason: "expected true or false, found \"\(text)\"")
            }
        }
        if let urls = value("NATS_URL") {
            nats.urls = urls.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let server = value("ARGO_SERVER") { argo.server = server }
        if let token = value("ARGO_TOKEN") {
            // The argo CLI accepts the token with or without its `Bearer ` prefix.
            argo.token = Secret(token.hasPrefix("Bearer ") ? String(token.dropFirst(7)) : token)
        }
        if let namespace = value("ARGO_NAMESPACE") { argo.namespace = namespace }
        if let insecure = try flag("ARGO_INSECURE_SKIP_VERIFY") { argo.insecureSkipVerify = insecure }
        let secure = try flag("ARGO_SECURE") ?? true
        if let server = argo.server, !server.contains("://") {
            argo.server = (secure ? "https://" : "http://") + server
        }
        if let host = value("KF_PIPELINES_ENDPOINT") { kubeflow.host = host }
        if let path = value("KF_PIPELINES_SA_TOKEN_PATH") { kubeflow.tokenFile = path }
    }
}

