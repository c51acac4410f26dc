import EventModel
import Foundation
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// Security: a running gateway (the built binary against a real nats-server with token auth, the Argo/KFP stand-in
/// and curl as the event client) never shows the test secrets — the NATS token, `ARGO_TOKEN`, the KFP token file's
/// content, an http trigger's secure header and the HTTP event source's token — in its log (JSON, debug level),
/// `/metrics`, `/status`, `/api/sensors`, `/api/dead-letters`, the dead letters or the errors it reports, while every
/// one of them is in use: the events arrive over the authenticated endpoint and NATS, three triggers succeed (the hook
/// sees its secure header) and two fail permanently, so error paths are logged, shown in `/status` and dead-lettered
/// too.
@Suite("Secrets never leak", .serialized, .timeLimit(.minutes(3)), .natsServer, .gatewayBinary)
struct SecretLeakTests {
    static let natsToken = "natsT0ken\(UUID().uuidString.prefix(8))"
    static let argoToken = "argoS3cret\(UUID().uuidString.prefix(8))"
    static let kfpToken = "kfpS3cret\(UUID().uuidString.prefix(8))"
    static let hookSecret = "hookS3cret\(UUID().uuidString.prefix(8))"
    static let sourceToken = "sourceS3cret\(UUID().uuidString.prefix(8))"
    static var secrets: [String] { [natsToken, argoToken, kfpToken, hookSecret, sourceToken] }

    static func hook(_ name: String, status: Int, base: String) -> String {
        """
            - template:
                name: \(name)
                http:
                  url: \(base)/hook/\(status)
                  method: POST
                  secureHeaders:
                    - name: X-Api-Key
                      valueFrom: {env: HOOK_TOKEN}
                  payload:
                    - {src: {dependencyName: d, dataKey: message}, dest: message}

        """
    }

    static func sensor(base: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: secrets}
        spec:
          dependencies:
            - {name: d, eventSourceName: shop, eventName: order}
          triggers:
            - template:
                name: workflow
                argoWorkflow:
                  operation: submit
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata: {generateName: secrets-}
                      spec: {entrypoint: main, templates: [{name: main, container: {image: busybox}}]}
            - template:
                name: run
                kubeflowPipeline: {pipelineName: hello, pipelineVersionName: v2, experimentName: secrets}
            - template:
                name: missing-pipeline
                kubeflowPipeline: {pipelineName: no-such-pipeline, experimentName: secrets}

        """ + hook("hook-ok", status: 200, base: base) + hook("hook-refused", status: 400, base: base)
    }

    @Test func secretsStayOutOfLogsMetricsStatusAndErrors() async throws {
        let standIn = try APIStandIn()
        let server = try NATSServerProcess.start(arguments: ["--auth", Self.natsToken])
        defer { server.stop() }
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("sg-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: files) }
        let kfpTokenFile = files.appendingPathComponent("kfp-token")
        try Self.kfpToken.write(to: kfpTokenFile, atomically: true, encoding: .utf8)
        let sourceTokenFile = files.appendingPathComponent("source-token")
        try (Self.sourceToken + "\n").write(to: sourceTokenFile, atomically: true, encoding: .utf8)
        let port = try NATSServerProcess.freeLoopbackPort()

        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["secrets.yaml": Self.sensor(base: standIn.base)],
            environment: [
                "ARGO_SERVER": standIn.base, "ARGO_TOKEN": Self.argoToken, "KF_PIPELINES_ENDPOINT": standIn.base,
                "KF_PIPELINES_SA_TOKEN_PATH": kfpTokenFile.path, "HOOK_TOKEN": Self.hookSecret,
            ])
        defer { workspace.remove() }
        // The harness writes no NATS credentials: add the token to its `nats:` map, and the HTTP source.
        let config = try String(contentsOfFile: workspace.configPath, encoding: .utf8)
        let withToken = config.replacingOccurrences(
            of: "dlqSubject: dlq.sensor-gateway}", with: "dlqSubject: dlq.sensor-gateway, token: \"\(Self.natsToken)\"}"
        )
        #expect(withToken != config, "the harness's nats: line changed; this test must add the token differently")
        try (withToken + "sources:\n  http: {listen: \"127.0.0.1:\(port)\", tokenFile: \(sourceTokenFile.path)}\n")
            .write(toFile: workspace.configPath, atomically: true, encoding: .utf8)

        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        let client = Curl(url: "http://127.0.0.1:\(port)/v1/events", token: Self.sourceToken)
        for index in 0..<3 {
            let event: [String: Any] = [
                "specversion": "1.0", "id": "secret-\(index)", "source": "shop", "type": "order", "subject": "order",
                "data": ["message": "hello \(index)"],
            ]
            let answer = try client.post(
                body: try JSONSerialization.data(withJSONObject: event),
                headers: ["Content-Type": "application/cloudevents+json"])
            #expect(answer.status == 202, "\(answer.body)")
        }
        // A wrong token is refused, and the refusal names no token either.
        let refused = try Curl(url: client.url, token: "wrong-token").post(
            body: Data("{}".utf8), headers: ["Content-Type": "application/json"],
            query: ["source": "shop", "type": "x"])
        #expect(refused.status == 401)

        func count(_ trigger: String, _ outcome: String) async -> Double {
            await gateway.metric(
                #"sensor_gateway_triggers_total{sensor="secrets",trigger="\#(trigger)",engine=""#
                    + (trigger.hasPrefix("hook") ? "http" : trigger == "workflow" ? "argo" : "kubeflow")
                    + #"",outcome="\#(outcome)",route=""}"#)
        }
        try await gateway.eventually("every trigger to finish for the three events", timeout: .seconds(60)) {
            let workflows = await count("workflow", "succeeded")
            let runs = await count("run", "succeeded")
            let hooks = await count("hook-ok", "succeeded")
            let letters = await gateway.metric(#"sensor_gateway_dlq_total{sensor="secrets",reason="permanent"}"#)
            return workflows == 3 && runs == 3 && hooks == 3 && letters >= 3
        }
        let deadLettered = Int(await gateway.metric(#"sensor_gateway_dlq_total{sensor="secrets",reason="permanent"}"#))
        // The secrets were in use: the hook got its header, the API calls were made with the tokens configured.
        let hooks = try await standIn.log().filter { $0.path == "/hook/200" }
        #expect(hooks.count == 3)
        #expect(hooks.allSatisfy { $0.headers["x-api-key"]?.stringValue == Self.hookSecret })

        let metrics = await gateway.get("/metrics")?.body ?? ""
        let status = await gateway.get("/status")?.body ?? ""
        #expect(metrics.contains("sensor_gateway_triggers_total"))
        #expect(status.contains("missing-pipeline"), "\(status)")
        let sensorsPage = await gateway.get("/api/sensors")?.body ?? ""
        let deadLetterPage = await gateway.get("/api/dead-letters")?.body ?? ""
        #expect(sensorsPage.contains("missing-pipeline"), "\(sensorsPage)")
        #expect(deadLetterPage.contains(#""reason":"permanent: "#), "\(deadLetterPage)")
        let connection = try await NATSConnection.connect(
            ConnectionOptions(urls: [server.url], authentication: .token(Self.natsToken)))
        let letters = try await connection.readStream("DLQ", expecting: deadLettered)
        await connection.close()
        #expect(letters.count == deadLettered)
        let deadLetters = letters.map { letter in
            letter.headers.map { "\($0.key): \($0.value.joined(separator: ","))" }.joined(separator: "\n")
                + String(decoding: letter.data, as: UTF8.self)
        }.joined(separator: "\n")
        #expect(deadLetters.contains("Sensor-Gateway-Reason"))
        try await GatewayEndToEndTests.stop(gateway)
        let log = gateway.logText
        #expect(log.contains("hook-refused") && log.contains("no-such-pipeline"), "the failures are logged")

        for (place, text) in [
            ("log", log), ("/metrics", metrics), ("/status", status), ("/api/sensors", sensorsPage),
            ("/api/dead-letters", deadLetterPage), ("DLQ", deadLetters),
        ] {
            for secret in Self.secrets {
                #expect(!text.contains(secret), "\(place) shows a secret (\(secret.prefix(6))…)")
            }
        }
    }
}
