package import ConfigReader
import EventSources
import JetStream
import SensorModel
import Triggers

extension GatewayConfiguration {
    /// Decodes one `GatewayConfiguration` document (no environment applied), reporting every problem into
    /// `diagnostics`; what could not be read keeps its default.
    package static func decode(_ document: YAMLTree, diagnostics: inout Diagnostics) -> GatewayConfiguration {
        var configuration = GatewayConfiguration(file: document.location.file)
        guard var root = FieldReader(document, path: "", diagnostics: &diagnostics) else { return configuration }
        configuration.read(&root, diagnostics: &diagnostics)
        root.finish(diagnostics: &diagnostics, label: "unknown key")
        return configuration
    }

    private mutating func read(_ root: inout FieldReader, diagnostics: inout Diagnostics) {
        if let apiVersion = root.string("apiVersion", diagnostics: &diagnostics), apiVersion != Self.apiVersion {
            diagnostics.error(
                "apiVersion: expected \(Self.apiVersion), found '\(apiVersion)'", at: root.location(of: "apiVersion"),
                path: "apiVersion")
        }
        let kind = SensorLoader.gatewayConfigurationKind
        if let found = root.string("kind", diagnostics: &diagnostics), found != kind {
            diagnostics.error("kind: expected \(kind), found '\(found)'", at: root.location(of: "kind"), path: "kind")
        }
        if var section = root.mapping("nats", diagnostics: &diagnostics) {
            readNATS(&section, diagnostics: &diagnostics)
        }
        readSensors(&root, diagnostics: &diagnostics)
        routing = root.string("routing", diagnostics: &diagnostics) ?? routing
        outbox = root.string("outbox", diagnostics: &diagnostics)
        if var section = root.mapping("argo", diagnostics: &diagnostics) {
            argo.server = section.string("server", diagnostics: &diagnostics)
            argo.namespace = section.string("namespace", diagnostics: &diagnostics) ?? argo.namespace
            argo.tokenFile = section.string("tokenFile", diagnostics: &diagnostics)
            argo.insecureSkipVerify = section.bool("insecureSkipVerify", diagnostics: &diagnostics) ?? false
            argo.tls = section.tlsFiles("tls", diagnostics: &diagnostics)
            if let via = section.string("via", diagnostics: &diagnostics) {
                if let parsed = TriggerConfiguration.Argo.Via(rawValue: via) {
                    argo.via = parsed
                } else {
                    diagnostics.error(
                        "argo.via '\(via)' is not one of server, kubernetes", at: section.location(of: "via"),
                        path: "argo.via")
                }
            }
            section.finish(diagnostics: &diagnostics, label: "unknown key")
        }
        if var section = root.mapping("kubeflow", diagnostics: &diagnostics) {
            readKubeflow(&section, diagnostics: &diagnostics)
        }
        if var section = root.mapping("kubernetes", diagnostics: &diagnostics) {
            kubernetes = Self.readKubernetes(&section, diagnostics: &diagnostics)
        }
        if var section = root.mapping("admin", diagnostics: &diagnostics) {
            if let listen = section.string("listen", diagnostics: &diagnostics) {
                if let (host, port) = ListenAddress.hostAndPort(listen) {
                    (adminHost, adminPort) = (host, port)
                } else {
                    diagnostics.error(
                        "admin.listen: expected host:port with a port of 0–65535, found '\(listen)'",
                        at: section.location(of: "listen"), path: "admin.listen")
                }
            }
            adminTokenFile = section.string("tokenFile", diagnostics: &diagnostics)
            if var readinessSection = section.mapping("readiness", diagnostics: &diagnostics) {
                if let stall = readinessSection.duration("consumerStallTimeout", diagnostics: &diagnostics) {
                    readiness.consumerStallTimeout = stall
                }
                if let grace = readinessSection.duration("natsDisconnectGrace", diagnostics: &diagnostics) {
                    readiness.natsDisconnectGrace = grace
                }
                readinessSection.finish(diagnostics: &diagnostics, label: "unknown key")
            }
            section.finish(diagnostics: &diagnostics, label: "unknown key")
        }
        if var section = root.mapping("console", diagnostics: &diagnostics) {
            readConsole(&section, diagnostics: &diagnostics)
        }
        if var section = root.mapping("jetstream", diagnostics: &diagnostics) {
            specs = section.string("specs", diagnostics: &diagnostics) ?? specs
            section.finish(diagnostics: &diagnostics, label: "unknown key")
        }
        if var section = root.mapping("sources", diagnostics: &diagnostics) {
            sources = EventSourcesConfiguration(&section, diagnostics: &diagnostics)
        }
        if var section = root.mapping("processing", diagnostics: &diagnostics) {
            readProcessing(&section, diagnostics: &diagnostics)
        }
        if var section = root.mapping("secrets", diagnostics: &diagnostics) {
            secretsDirectory =
                section.string("directory", required: true, diagnostics: &diagnostics) ?? secretsDirectory
            section.finish(diagnostics: &diagnostics, label: "unknown key")
        }
        if var section = root.mapping("artifacts", diagnostics: &diagnostics) {
            readArtifacts(&section, diagnostics: &diagnostics)
        }
        if var section = root.mapping("tracing", diagnostics: &diagnostics) {
            readTracing(&section, diagnostics: &diagnostics)
        }
    }

    private mutating func readArtifacts(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        if let directory = section.string("gitCache", diagnostics: &diagnostics) {
            if directory.isEmpty {
                diagnostics.error(
                    "artifacts.gitCache must not be empty", at: section.location(of: "gitCache"),
                    path: "artifacts.gitCache")
            } else {
                artifacts.gitCache = directory
            }
        }
        artifacts.gitFetchInterval =
            section.duration("gitFetchInterval", diagnostics: &diagnostics) ?? artifacts.gitFetchInterval
        artifacts.configMapTTL = section.duration("configMapTTL", diagnostics: &diagnostics) ?? artifacts.configMapTTL
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }

    private mutating func readNATS(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        let urls: [String]?
        if let url = section.node["urls"]?.scalarText {
            // One URL may be written without a list.
            section.ignore("urls")
            urls = [url]
        } else {
            urls = section.stringList("urls", diagnostics: &diagnostics)
        }
        if let urls {
            if urls.isEmpty {
                diagnostics.error(
                    "nats.urls needs at least one URL", at: section.location(of: "urls"), path: "nats.urls")
            } else {
                nats.urls = urls
            }
        }
        nats.stream = section.string("stream", diagnostics: &diagnostics) ?? nats.stream
        nats.subjectPrefix = section.string("subjectPrefix", diagnostics: &diagnostics) ?? nats.subjectPrefix
        nats.dlqSubject = section.string("dlqSubject", diagnostics: &diagnostics) ?? nats.dlqSubject
        nats.credentialsFile = section.string("credentialsFile", diagnostics: &diagnostics)
        nats.token = section.string("token", diagnostics: &diagnostics).map(Secret.init)
        if let tls = section.tlsFiles("tls", diagnostics: &diagnostics) {
            nats.tls = ConnectionOptions.TLS(
                caFile: tls.caFile, certificateFile: tls.certificateFile, keyFile: tls.keyFile)
        }
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }

    private mutating func readKubeflow(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        kubeflow.host = section.string("host", diagnostics: &diagnostics)
        if let apiVersion = section.string("apiVersion", diagnostics: &diagnostics) {
            if ["v2beta1", "v1beta1"].contains(apiVersion) {
                kubeflow.apiVersion = apiVersion
            } else {
                diagnostics.error(
                    "kubeflow.apiVersion: expected v2beta1 or v1beta1, found '\(apiVersion)'",
                    at: section.location(of: "apiVersion"), path: "kubeflow.apiVersion")
            }
        }
        kubeflow.tokenFile = section.string("tokenFile", diagnostics: &diagnostics)
        kubeflow.insecureSkipVerify = section.bool("insecureSkipVerify", diagnostics: &diagnostics) ?? false
        kubeflow.tls = section.tlsFiles("tls", diagnostics: &diagnostics)
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }

    private mutating func readProcessing(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        func count(_ key: String, _ range: ClosedRange<Int64>, diagnostics: inout Diagnostics) -> Int? {
            guard let value = section.integer(key, diagnostics: &diagnostics) else { return nil }
            guard range.contains(value) else {
                diagnostics.error(
                    "processing.\(key) must be \(range.lowerBound)–\(range.upperBound)", at: section.location(of: key),
                    path: "processing.\(key)")
                return nil
            }
            return Int(value)
        }
        // Seconds without a unit (`10`, `2.5`) are still taken, as before Go durations.
        func duration(_ key: String, diagnostics: inout Diagnostics) -> Duration? {
            section.duration(key, bareNumber: .seconds, diagnostics: &diagnostics)
        }
        func positive(_ key: String, diagnostics: inout Diagnostics) -> Duration? {
            guard let timeout = duration(key, diagnostics: &diagnostics) else { return nil }
            guard timeout > .zero else {
                diagnostics.error(
                    "processing.\(key) must be more than 0", at: section.location(of: key), path: "processing.\(key)")
                return nil
            }
            return timeout
        }
        processing.concurrency = count("concurrency", 1...1024, diagnostics: &diagnostics) ?? processing.concurrency
        processing.fetchBatch = count("fetchBatch", 1...4096, diagnostics: &diagnostics) ?? processing.fetchBatch
        processing.drainTimeout = duration("drainTimeout", diagnostics: &diagnostics) ?? processing.drainTimeout
        processing.retryDelay = duration("retryDelay", diagnostics: &diagnostics) ?? processing.retryDelay
        processing.reloadInterval = duration("reloadInterval", diagnostics: &diagnostics) ?? processing.reloadInterval
        // curl takes 0 for "no timeout": a hanging server would hold the message forever.
        processing.requestTimeout = positive("requestTimeout", diagnostics: &diagnostics) ?? processing.requestTimeout
        processing.executionTimeout =
            positive("executionTimeout", diagnostics: &diagnostics) ?? processing.executionTimeout
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }
}
