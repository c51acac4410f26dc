import ConfigReader
import Foundation
import Gateway
import JetStream
import Testing
import Triggers

/// `config/gateway.yaml`: keys, defaults, environment overrides, errors naming file and key, no secret printed.
struct GatewayConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The shipped file loads and names the loopback defaults.
    @Test func shippedFileLoads() throws {
        let path = Self.repository.appendingPathComponent("config/gateway.yaml").path
        let configuration = try GatewayConfiguration.load(path: path, environment: [:])
        #expect(configuration.nats.urls == ["nats://127.0.0.1:4222"])
        #expect(configuration.nats.stream == "EVENTS")
        #expect(configuration.nats.dlqSubject == "dlq.sensor-gateway")
        #expect(configuration.sensors == "config/sensors")
        #expect(configuration.routing == "config/routing.yaml")
        #expect(configuration.outbox == ".sensor-gateway/outbox")
        #expect(configuration.argo.server == nil)
        #expect(configuration.kubeflow.host == nil)
        #expect(configuration.adminHost == "127.0.0.1")
        #expect(configuration.adminPort == 9090)
    }

    /// `processing:` sets the triggers in flight and the pull batch; the defaults suit a laptop and a cluster alike.
    @Test func processingKeys() throws {
        let defaults = try GatewayConfiguration.parse("", file: "g.yaml", environment: [:])
        #expect(defaults.processing.concurrency == 16)
        #expect(defaults.processing.fetchBatch == 256)
        let set = try GatewayConfiguration.parse(
            "processing: {concurrency: 64, fetchBatch: 32}\n", file: "g.yaml", environment: [:])
        #expect(set.processing.concurrency == 64)
        #expect(set.processing.fetchBatch == 32)
    }

    /// `console:` holds the UI base URLs the console links firings to; none by default. A base URL that is not an
    /// absolute http(s) URL, or that has a query, is refused at its line and column.
    @Test func consoleKeys() throws {
        let defaults = try GatewayConfiguration.parse("", file: "g.yaml", environment: [:])
        #expect(defaults.console == ConsoleSettings())
        let set = try GatewayConfiguration.parse(
            "console: {argoUIBaseURL: https://argo.example.com, kfpUIBaseURL: http://kfp.example.com/pipeline}\n",
            file: "g.yaml", environment: [:])
        #expect(set.console.argoUIBaseURL == "https://argo.example.com")
        #expect(set.console.kfpUIBaseURL == "http://kfp.example.com/pipeline")
        for value in ["javascript:alert(1)", "argo.example.com", "https://a.test/?x=1"] {
            #expect {
                try GatewayConfiguration.parse(
                    "console: {argoUIBaseURL: \"\(value)\"}\n", file: "g.yaml", environment: [:])
            } throws: { error in
                "\(error)".hasPrefix("g.yaml:1:26: error: console.argoUIBaseURL: expected an http or https URL")
            }
        }
        #expect {
            try GatewayConfiguration.parse("console: {argoUI: https://a.test}\n", file: "g.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains("argoUI")
        }
    }

    /// One NATS URL may be written without a list.
    @Test func singleNATSURL() throws {
        let configuration = try GatewayConfiguration.parse(
            "nats: {urls: nats://one:4222}\n", file: "g.yaml", environment: [:])
        #expect(configuration.nats.urls == ["nats://one:4222"])
    }

    /// The environment variables of the argo CLI and the kfp SDK override the file.
    @Test func environmentOverrides() throws {
        let configuration = try GatewayConfiguration.parse(
            "nats: {urls: [nats://a:4222]}\nargo: {server: https://argo:2746, namespace: argo}\n", file: "g.yaml",
            environment: [
                "NATS_URL": "nats://x:4222, nats://y:4222", "ARGO_SERVER": "argo.example:2746", "ARGO_SECURE": "false",
                "ARGO_TOKEN": "Bearer s3cr3t", "ARGO_NAMESPACE": "wf", "ARGO_INSECURE_SKIP_VERIFY": "true",
                "KF_PIPELINES_ENDPOINT": "http://kfp:8888", "KF_PIPELINES_SA_TOKEN_PATH": "/tmp/token",
            ])
        #expect(configuration.nats.urls == ["nats://x:4222", "nats://y:4222"])
        #expect(configuration.argo.server == "http://argo.example:2746")
        #expect(configuration.argo.token?.value == "s3cr3t")
        #expect(configuration.argo.namespace == "wf")
        #expect(configuration.argo.insecureSkipVerify)
        #expect(configuration.kubeflow.host == "http://kfp:8888")
        #expect(configuration.kubeflow.tokenFile == "/tmp/token")
    }

    /// Tokens never show in descriptions, dumps or the connection options.
    /// `NATS_CREDS` or `NATS_TOKEN` replaces the file's authentication (the credentials file wins when both are
    /// set); each TLS variable replaces its own file; command-line overrides come last.
    @Test func natsEnvironmentAndCommandLineOverrides() throws {
        let file = "nats: {urls: [nats://a:4222], token: from-file, tls: {ca: /file/ca.pem}}\n"
        let byToken = try GatewayConfiguration.parse(
            file, file: "g.yaml", environment: ["NATS_TOKEN": "from-env", "NATS_CERT": "/c.pem", "NATS_KEY": "/k.pem"])
        #expect(byToken.nats.token?.value == "from-env")
        #expect(byToken.nats.credentialsFile == nil)
        #expect(byToken.nats.tls?.caFile == "/file/ca.pem")
        #expect(byToken.nats.tls?.certificateFile == "/c.pem" && byToken.nats.tls?.keyFile == "/k.pem")

        var both = try GatewayConfiguration.parse(
            file, file: "g.yaml", environment: ["NATS_TOKEN": "from-env", "NATS_CREDS": "/u.creds"])
        #expect(both.nats.credentialsFile == "/u.creds")
        #expect(both.nats.token == nil)
        guard case .credentialsFile(path: let path) = both.connectionOptions.authentication else {
            Issue.record("expected the credentials file, got \(both.connectionOptions.authentication)")
            return
        }
        #expect(path == "/u.creds")

        try NATSOverrides(urls: ["nats://cli:4222"], token: Secret("from-cli"), tls: .init(caFile: "/cli/ca.pem"))
            .apply(to: &both.nats)
        #expect(both.nats.urls == ["nats://cli:4222"])
        #expect(both.nats.token?.value == "from-cli" && both.nats.credentialsFile == nil)
        #expect(both.nats.tls?.caFile == "/cli/ca.pem")

        #expect {
            try GatewayConfiguration.parse(file, file: "g.yaml", environment: ["NATS_CERT": "/c.pem"])
        } throws: {
            "\($0)" == "$NATS_KEY: error: the NATS client certificate and its key go together: set both or neither"
        }
        var half = both
        #expect {
            try NATSOverrides(tls: .init(keyFile: "/k.pem")).apply(to: &half.nats)
        } throws: {
            "\($0)" == "--tls-cert: error: the NATS client certificate and its key go together: set both or neither"
        }
    }

    @Test func secretsAreNeverPrinted() throws {
        let configuration = try GatewayConfiguration.parse(
            "nats: {token: natsS3cret, urls: ['nats://me:urlS3cret@127.0.0.1:4222']}\n", file: "g.yaml",
            environment: ["ARGO_TOKEN": "argoS3cret"])
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", dumped, "\(configuration.connectionOptions)", "\(configuration.argo)"] {
            #expect(!text.contains("S3cret"))
        }
        #expect(configuration.nats.token?.value == "natsS3cret")
    }

    /// `processing.requestTimeout` is the Argo and KFP request timeout the trigger executor gets; 30 s when unset.
    @Test(arguments: [
        ("", Duration.seconds(30)),
        ("processing: {requestTimeout: 2.5s}\n", .milliseconds(2500)),
        ("processing: {requestTimeout: 750ms}\n", .milliseconds(750)),
        ("processing: {requestTimeout: 90}\n", .seconds(90)),
    ])
    func requestTimeout(text: String, expected: Duration) throws {
        let configuration = try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        #expect(configuration.processing.requestTimeout == expected)
        let triggers = configuration.triggerConfiguration(routing: nil, publisher: nil, log: { _ in })
        #expect(triggers.requestTimeout == expected)
    }

    /// `argo.via` reaches Argo Workflows through the Argo Server (the default) or the Kubernetes API.
    @Test func argoVia() throws {
        let defaults = try GatewayConfiguration.parse("", file: "g.yaml", environment: [:])
        #expect(defaults.argo.via == .server)
        let configuration = try GatewayConfiguration.parse(
            "argo: {via: kubernetes}\n", file: "g.yaml", environment: [:])
        #expect(configuration.argo.via == .kubernetes)
        let triggers = configuration.triggerConfiguration(routing: nil, publisher: nil, log: { _ in })
        #expect(triggers.argo.via == .kubernetes)
    }

    /// Errors name the file, line and column, and the key.
    @Test(arguments: [
        ("nats:\n  urls: []\n", "g.yaml:2:9: error: nats.urls needs at least one URL"),
        ("admin:\n  listen: nowhere\n", "g.yaml:2:11: error: admin.listen: expected host:port"),
        ("nats:\n  strem: X\n", "g.yaml:2:3: error: unknown key nats.strem (did you mean 'stream'?)"),
        ("processing:\n  concurrency: lots\n", "g.yaml:2:16: error: processing.concurrency must be an integer"),
        ("processing:\n  fetchBatch: 0\n", "g.yaml:2:15: error: processing.fetchBatch must be 1–4096"),
        ("argo:\n  insecureSkipVerify: maybe\n", "g.yaml:2:23: error: argo.insecureSkipVerify must be true or false"),
        ("argo:\n  insecureSkipVerify: yes\n", "g.yaml:2:23: error: argo.insecureSkipVerify must be true or false"),
        ("nats: [1, 2]\n", "g.yaml:1:7: error: expected a mapping at nats"),
        ("argo:\n  via: kubectl\n", "g.yaml:2:8: error: argo.via 'kubectl' is not one of server, kubernetes"),
        ("kind: Sensor\n", "g.yaml:1:7: error: kind: expected GatewayConfiguration"),
        (
            "processing:\n  requestTimeout: soon\n",
            "g.yaml:2:19: error: processing.requestTimeout must be a Go duration"
        ),
        ("processing:\n  requestTimeout: 0\n", "g.yaml:2:19: error: processing.requestTimeout must be more than 0"),
        (
            "processing:\n  concurency: 8\n",
            "g.yaml:2:3: error: unknown key processing.concurency (did you mean 'concurrency'?)"
        ),
    ])
    func errorsNameFileAndKey(text: String, expected: String) {
        #expect {
            try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    /// Durations are Go durations; a plain number is still seconds in this file.
    @Test(arguments: [
        ("drainTimeout: 0", Duration.zero), ("drainTimeout: 1h30m", .seconds(5400)),
        ("drainTimeout: 500ms", .milliseconds(500)), ("drainTimeout: 10", .seconds(10)),
    ])
    func goDurations(entry: String, expected: Duration) throws {
        let configuration = try GatewayConfiguration.parse("processing: {\(entry)}\n", file: "g.yaml", environment: [:])
        #expect(configuration.processing.drainTimeout == expected)
    }

    /// Booleans follow Go's ParseBool in the file and in the environment alike.
    @Test func booleanRule() throws {
        let file = try GatewayConfiguration.parse("argo: {insecureSkipVerify: 1}\n", file: "g.yaml", environment: [:])
        #expect(file.argo.insecureSkipVerify)
        let environment = try GatewayConfiguration.parse(
            "", file: "g.yaml", environment: ["ARGO_INSECURE_SKIP_VERIFY": "1"])
        #expect(environment.argo.insecureSkipVerify)
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.parse("", file: "g.yaml", environment: ["ARGO_INSECURE_SKIP_VERIFY": "yes"])
        }
    }

    /// A bad environment value names the variable.
    @Test func badEnvironmentValue() {
        #expect {
            try GatewayConfiguration.parse("", file: "g.yaml", environment: ["ARGO_SECURE": "perhaps"])
        } throws: { error in
            "\(error)".contains("ARGO_SECURE")
        }
    }
}
