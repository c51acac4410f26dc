import Foundation
import JetStreamTesting
import Testing

/// The gateway beside Argo Events on one JetStream EventBus: `nats.stream: default`, `nats.subjectPrefix: default` and
/// the `specs/argo-eventbus` specs. Events written as Argo Events' EventSources write them (JSON structured
/// CloudEvents, the data as `data` or `data_base64`) fire the sensors, and the EventBus stream is left as it was.
@Suite(.serialized, .timeLimit(.minutes(2)), .natsServer, .gatewayBinary)
struct ArgoEventBusTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/argo_eventbus.py").path

    static let sensor = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: from-argo-events}
        spec:
          dependencies:
            - name: push
              eventSourceName: webhook
              eventName: example
              filters:
                data:
                  - {path: body.ref, type: string, value: ["^refs/heads/main$"]}
          triggers:
            - template: {name: log-push, log: {}}

        """

    func run(_ server: NATSServerProcess, _ command: String, input: Data? = nil) throws -> String {
        let run = try ScriptRun.python(Self.script, [server.url, command], input: input)
        guard run.status == 0 else {
            throw HarnessFailure(
                description: "argo_eventbus.py \(command) (make deps installs nats-py): \(run.transcript)")
        }
        return run.output
    }

    @Test func eventBusEventsFireAndTheStreamStaysAsItWas() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        _ = try run(server, "create")
        let before = try run(server, "info")
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["push.yaml": Self.sensor], specs: "specs/argo-eventbus")
        defer { workspace.remove() }
        let config = try String(contentsOfFile: workspace.configPath, encoding: .utf8)
            .replacingOccurrences(
                of: "stream: EVENTS, subjectPrefix: events", with: "stream: default, subjectPrefix: default"
            )
        try config.write(toFile: workspace.configPath, atomically: true, encoding: .utf8)
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()

        let events: [[String: Any]] = [
            ["source": "webhook", "name": "example", "id": "ae-1", "data": ["body": ["ref": "refs/heads/main"]]],
            [
                "source": "webhook", "name": "example", "id": "ae-2", "base64": true,
                "data": ["body": ["ref": "refs/heads/main"]],
            ],
            ["source": "webhook", "name": "example", "id": "ae-3", "data": ["body": ["ref": "refs/heads/dev"]]],
        ]
        var lines = Data()
        for event in events { lines += try JSONSerialization.data(withJSONObject: event) + Data("\n".utf8) }
        _ = try run(server, "publish", input: lines)
        let executed =
            #"sensor_gateway_triggers_total{sensor="from-argo-events",trigger="log-push",engine="log",outcome="succeeded",route=""}"#
        try await gateway.eventually("both main pushes to fire") { await gateway.metric(executed) == 2 }
        let fired = gateway.logText.split(separator: "\n").filter { $0.contains(#""message":"trigger executed""#) }
        #expect(fired.contains { $0.contains(#""event.id":"ae-1""#) }, "the event with data")
        #expect(fired.contains { $0.contains(#""event.id":"ae-2""#) }, "the event with data_base64")
        #expect(
            await gateway.metric(
                #"sensor_gateway_events_filtered_total{sensor="from-argo-events",dependency="push",reason="filter"}"#)
                == 1)
        #expect(try run(server, "info") == before, "the EventBus stream's configuration is unchanged")
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }
}
