import Foundation
import HTTPTransport
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

@testable import Gateway

/// `processing.concurrency` bounds the triggers a consumer runs at once, also now that a message gives its permit back
/// when its trigger has answered, before its bookkeeping and ack.
@Suite("Trigger concurrency", .serialized, .timeLimit(.minutes(2)), .natsServer, .gatewayBinary)
struct TriggerConcurrencyTests {
    @Test func concurrencyBoundsTheTriggersInFlight() async throws {
        let sink = try HTTPTestServer()
        let sensor = GatewayEndToEndTests.slowSensor(trigger: "hold", url: sink.url("/slow/300"))
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        // The workspace's `processing.concurrency` is 8.
        let workspace = try GatewayWorkspace(natsURL: server.url, sensors: ["slow.yaml": sensor])
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        let events = 40
        try PythonPublisher.publish(
            server: server.url,
            (1...events).map { GatewayEndToEndTests.oneEvent("held-\($0)") })
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        defer { Task { await connection.close() } }
        let consumer = SensorSet.durableName(subject: "events.src.one")
        try await gateway.eventually("every trigger to succeed and every message to be acked") {
            let fired = await gateway.metric(
                #"sensor_gateway_triggers_total{sensor="slow",trigger="hold",engine="http",outcome="succeeded",route=""}"#
            )
            let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: consumer)
            return fired == Double(events) && info?.pending == 0 && info?.ackPending == 0
        }
        let client = try HTTPClient()
        let stats = try await client.execute(HTTPRequest(url: sink.url("/stats")))
        await client.shutdown()
        let peak = try JSONDecoder().decode([String: Int].self, from: Data(stats.body))["max_in_flight"]
        #expect(peak == 8, "the sink held \(peak ?? -1) triggers at once; processing.concurrency is 8")
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }
}
