import Foundation
import Gateway
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// `/metrics` of the built gateway against a real nats-server: clean for `promtool check metrics`, with the build,
/// process and consumer metrics an SRE alerts on, the lag the server reports (also while every permit is taken), and
/// the counters of naks and redeliveries.
@Suite("Metrics exposition", .serialized, .timeLimit(.minutes(3)), .natsServer, .gatewayBinary, .promtool)
struct MetricsExpositionTests {
    /// Every event of `events.src.one` goes to an http trigger at `target`, which must answer 200.
    static func sensor(target: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: metered}
        spec:
          dependencies: [{name: one, eventSourceName: src, eventName: one}]
          triggers:
            - template:
                name: call
                http: {url: "\(target)", timeout: 60}
              policy: {status: {allow: [200]}}
        """
    }

    static let durable = SensorSet.durableName(subject: "events.src.one")

    /// The sample lines of `family` (its name followed by labels or a space).
    static func samples(_ family: String, in body: String) -> [Substring] {
        body.split(separator: "\n").filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }
    }

    /// `gateway.eventually`, with the last `/metrics` in the failure.
    static func eventually(_ gateway: GatewayProcess, _ what: String, _ condition: () async -> Bool) async throws {
        do {
            try await gateway.eventually(what, condition)
        } catch {
            Issue.record("last /metrics:\n\(await gateway.get("/metrics")?.body ?? "(no answer)")")
            throw error
        }
    }

    static func value(of line: Substring) -> Double? {
        line.split(separator: " ").last.flatMap { Double($0) }
    }

    /// The triggers hang: eight events take every permit (`processing.concurrency` 8 in the workspace), and the
    /// gateway fetches no more; yet the lag it exports is the server's, equal to what consumer info says, and it moves
    /// with what is published meanwhile.
    @Test("lag gauges follow the server while every permit is taken; the exposition passes promtool check metrics")
    func lagFollowsTheServer() async throws {
        let sink = try HTTPTestServer()
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["metered.yaml": Self.sensor(target: sink.url("/slow/60000"))],
            drainTimeout: "1s")
        defer { workspace.remove() }
        let gateway = try await GatewayEndToEndTests.startGateway(workspace)
        defer { gateway.send(SIGKILL) }
        let labels = #"{stream="EVENTS",consumer="\#(Self.durable)"}"#

        try PythonPublisher.publish(
            server: server.url, (1...8).map { GatewayEndToEndTests.oneEvent("metered-first-\($0)") })
        try await Self.eventually(gateway, "the eight delivered messages to show as ack pending") {
            await gateway.metric("sensor_gateway_consumer_ack_pending" + labels) == 8
        }
        try PythonPublisher.publish(
            server: server.url, (1...5).map { GatewayEndToEndTests.oneEvent("metered-second-\($0)") })
        try await Self.eventually(gateway, "the five undelivered messages to show as pending") {
            await gateway.metric("sensor_gateway_consumer_pending" + labels) == 5
        }

        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let info = try await connection.consumerInfo(stream: "EVENTS", consumer: Self.durable)
        await connection.close()
        #expect(info.pending == 5 && info.ackPending == 8, "consumer info: \(info)")

        let body = try #require(await gateway.get("/metrics")?.body)
        let lint = try Promtool.run(["check", "metrics"], input: body)
        #expect(
            lint.status == 0 && lint.output.isEmpty,
            "promtool check metrics:\n\(lint.output)\n--- /metrics ---\n\(body)")
        #expect(
            Self.samples("sensor_gateway_consumer_redelivered", in: body) == [
                "sensor_gateway_consumer_redelivered\(labels) 0.0"
            ])
        #expect(Self.samples("sensor_gateway_ready", in: body) == ["sensor_gateway_ready 1.0"])
    }

    /// `build_info` names the build `/status` reports; the process metrics are the process's.
    @Test("build_info carries the version and revision of /status; process metrics describe the running process")
    func buildAndProcessMetrics() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["single.yaml": GatewayEndToEndTests.single])
        defer { workspace.remove() }
        let started = Date().timeIntervalSince1970
        let gateway = try await GatewayEndToEndTests.startGateway(workspace)
        defer { gateway.send(SIGKILL) }

        let status = try #require(await gateway.get("/status")?.body)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any])
        let build = try #require(document["build"] as? [String: String], "\(status)")
        let version = try #require(build["version"])
        let revision = try #require(build["revision"])
        #expect(!version.isEmpty && version != "unknown" && !revision.isEmpty, "\(build)")

        let body = try #require(await gateway.get("/metrics")?.body)
        #expect(
            Self.samples("sensor_gateway_build_info", in: body) == [
                #"sensor_gateway_build_info{version="\#(version)",revision="\#(revision)"} 1.0"#
            ], "\(body)")
        let start = try #require(Self.samples("process_start_time_seconds", in: body).first.flatMap(Self.value))
        #expect(start >= started.rounded(.down) - 2 && start <= Date().timeIntervalSince1970, "start \(start)")
        let resident = try #require(Self.samples("process_resident_memory_bytes", in: body).first.flatMap(Self.value))
        #expect(resident > 1_000_000, "resident \(resident)")
        let descriptors = try #require(Self.samples("process_open_fds", in: body).first.flatMap(Self.value))
        #expect(descriptors > 3, "open fds \(descriptors)")
        let cpu = try #require(Self.samples("process_cpu_seconds_total", in: body).first.flatMap(Self.value))
        #expect(cpu > 0, "cpu \(cpu)")
    }

    /// A target answering 503 (not an allowed status) is retryable: the message is nak'ed and comes back with a higher
    /// delivery count.
    @Test("naks and redeliveries are counted per consumer")
    func naksAndRedeliveriesAreCounted() async throws {
        let sink = try HTTPTestServer()
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["metered.yaml": Self.sensor(target: sink.url("/status/503"))])
        defer { workspace.remove() }
        let gateway = try await GatewayEndToEndTests.startGateway(workspace)
        defer { gateway.send(SIGKILL) }
        let labels = #"{consumer="\#(Self.durable)"}"#

        try PythonPublisher.publish(server: server.url, [GatewayEndToEndTests.oneEvent("metered-503")])
        try await Self.eventually(gateway, "a redelivery to be counted") {
            await gateway.metric("sensor_gateway_redeliveries_total" + labels) >= 1
        }
        #expect(await gateway.metric("sensor_gateway_naks_total" + labels) >= 1)
        #expect(await gateway.metric("sensor_gateway_terms_total" + labels) == 0)
    }
}
