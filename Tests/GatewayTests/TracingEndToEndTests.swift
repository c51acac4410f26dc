import EventModel
import Foundation
import Gateway
import JetStreamTesting
import LoopbackTesting
import Testing
import Triggers

/// The built `sensor-gateway run` exporting its spans over OTLP/HTTP to a real receiver (`opentelemetry-proto`
/// decoding the protobuf), with an event published with a producer's `traceparent`, an Argo workflow trigger and an
/// `http` trigger sent to the Argo stand-in.
@Suite(
    "Tracing end to end", .serialized, .timeLimit(.minutes(3)),
    .natsServer, .gatewayBinary)
struct TracingEndToEndTests {
    static let producerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let producerSpan = "00f067aa0ba902b7"

    /// `single`'s Argo workflow trigger plus an `http` trigger to the stand-in's `/hook/200`.
    static func sensor(hook: String) -> String {
        GatewayEndToEndTests.single + """
                - template:
                    name: hook
                    http:
                      url: \(hook)
                      payload: [{src: {dependencyName: one, dataKey: body.name}, dest: name}]

            """
    }

    /// The test's event, carrying the producer's trace context as the CloudEvents distributed-tracing extension.
    static func tracedEvent(_ id: String) -> [String: Any] {
        var request = GatewayEndToEndTests.oneEvent(id, name: "traced")
        var event = request["event"] as? [String: Any] ?? [:]
        event["traceparent"] = "00-\(producerTrace)-\(producerSpan)-01"
        event["tracestate"] = "vendor=producer"
        request["event"] = event
        return request
    }

    /// The gateway's JSON log lines.
    static func logLines(_ text: String) -> [[String: String]] {
        text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String]
        }
    }

    /// The `traceparent` header of the stand-in's first logged request matching `where`.
    static func traceparent(_ log: [LoggedRequest], _ matches: (LoggedRequest) -> Bool) -> String? {
        log.first(where: matches)?.headers["traceparent"]?.stringValue
    }

    /// A receiver, the Argo stand-in, a nats-server and a gateway whose environment points at both (the receiver
    /// as `OTEL_EXPORTER_OTLP_ENDPOINT`, with `tracing` over it), ready, after one traced event is published.
    static func withGateway(
        tracing: [String: String], event id: String,
        _ body: (GatewayProcess, OTLPReceiver, APIStandIn) async throws -> Void
    ) async throws {
        let receiver = try OTLPReceiver()
        let standIn = try APIStandIn()
        defer { Task { await standIn.stop() } }
        defer { Task { await receiver.stop() } }
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["single.yaml": Self.sensor(hook: standIn.base + "/hook/200")],
            environment: ["ARGO_SERVER": standIn.base, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint].merging(
                tracing
            ) { $1 })
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        try PythonPublisher.publish(server: server.url, [Self.tracedEvent(id)])
        try await body(gateway, receiver, standIn)
    }

    /// One event yields, at the receiver, receive → filter → correlate → trigger → settle spans under the producer's
    /// trace, with their parent links and attributes; the Argo API call and the `http` trigger's request carry a
    /// `traceparent` of that trace whose parent is their trigger span; the workflow is annotated with the trace id;
    /// the log lines and `/api/firings` carry it. The batch delay is a minute, so the spans arrive only through the
    /// flush on SIGTERM.
    @Test func oneEventIsTracedFromTheProducerToTheTriggers() async throws {
        try await Self.withGateway(
            tracing: ["OTEL_BSP_SCHEDULE_DELAY": "60000", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test"],
            event: "traced-1"
        ) { gateway, receiver, standIn in
            try await gateway.eventually("both triggers") {
                Self.logLines(gateway.logText).filter { $0["message"] == "trigger executed" }.count == 2
            }
            #expect(try await receiver.exports().isEmpty, "exported before the batch delay or the shutdown")
            let firings =
                try AdminConsoleAPITests.object(await gateway.get("/api/firings"))["firings"] as? [[String: Any]]
            #expect(firings?.count == 2)
            #expect(firings?.allSatisfy { $0["traceID"] as? String == Self.producerTrace } == true, "\(firings ?? [])")
            gateway.send(SIGTERM)
            #expect(try await gateway.waitForExit() == 0)

            #expect(try await receiver.exports().allSatisfy { $0 == "application/x-protobuf" })
            let spans = try await receiver.spans().filter { $0.traceID == Self.producerTrace }
            let receive = try #require(spans.first { $0.name == "receive events.src.one" }, "\(spans)")
            #expect(receive.parentSpanID == Self.producerSpan)
            #expect(receive.kind == "SPAN_KIND_CONSUMER")
            #expect(receive.serviceName == "sensor-gateway")
            #expect(receive.attribute("messaging.system") == "nats")
            #expect(receive.attribute("messaging.destination.name") == "events.src.one")
            #expect(
                receive.attribute("messaging.consumer.group.name") == SensorSet.durableName(subject: "events.src.one"))
            #expect(receive.attribute("messaging.nats.message.stream_sequence") == "1")
            #expect(receive.attribute("messaging.nats.message.delivery_count") == "1")
            #expect(receive.attribute("cloudevents.event_id") == "traced-1")

            let filter = try #require(spans.first { $0.name == "filter single/one" }, "\(spans)")
            #expect(filter.parentSpanID == receive.spanID)
            #expect(filter.attribute("sensor_gateway.filter.verdict") == "passed")
            #expect(filter.attribute("sensor_gateway.dependency") == "one")

            let correlations = spans.filter { $0.name.hasPrefix("correlate single/") }
            #expect(correlations.count == 2)
            #expect(correlations.allSatisfy { $0.parentSpanID == receive.spanID })
            #expect(correlations.allSatisfy { $0.attribute("sensor_gateway.correlation.decision") == "fire" })

            let argo = try #require(spans.first { $0.name == "trigger single/notify" }, "\(spans)")
            let hook = try #require(spans.first { $0.name == "trigger single/hook" }, "\(spans)")
            for trigger in [argo, hook] {
                #expect(trigger.parentSpanID == receive.spanID)
                #expect(trigger.kind == "SPAN_KIND_CLIENT")
                #expect(trigger.attribute("sensor_gateway.trigger.outcome") == "succeeded")
            }
            #expect(argo.attribute("sensor_gateway.trigger.engine") == "argo")
            #expect(argo.attribute("http.response.status_code") == "200")
            #expect(argo.attribute("sensor_gateway.trigger.target")?.hasPrefix("workflow argo/notify-") == true)
            #expect(hook.attribute("sensor_gateway.trigger.engine") == "http")
            #expect(hook.attribute("http.response.status_code") == "200")
            #expect(hook.attribute("url.full") == standIn.base + "/hook/200")

            let settle = try #require(spans.first { $0.name == "ack" }, "\(spans)")
            #expect(settle.parentSpanID == receive.spanID)
            #expect(settle.attribute("messaging.operation.type") == "settle")

            let log = try await standIn.log()
            let create = Self.traceparent(log) { $0.method == "POST" && $0.path == "/api/v1/workflows/argo" }
            #expect(create == "00-\(Self.producerTrace)-\(argo.spanID)-01")
            let sent = Self.traceparent(log) { $0.path == "/hook/200" }
            #expect(sent == "00-\(Self.producerTrace)-\(hook.spanID)-01")
            let workflow = log.first { $0.method == "POST" && $0.path == "/api/v1/workflows/argo" }?.body?["workflow"]
            #expect(
                workflow?["metadata"]?["annotations"]?[TriggerTrace.traceIDAnnotation]?.stringValue
                    == Self.producerTrace)

            let executed = Self.logLines(gateway.logText).filter { $0["message"] == "trigger executed" }
            #expect(executed.count == 2)
            #expect(executed.allSatisfy { $0[LoggingKeys.traceID] == Self.producerTrace })
        }
    }

    /// With `OTEL_TRACES_EXPORTER=none` (even with an endpoint set) nothing is exported, and the trigger's request
    /// carries no `traceparent`.
    @Test func tracingOffSendsNothing() async throws {
        try await Self.withGateway(
            tracing: ["OTEL_TRACES_EXPORTER": "none", "OTEL_BSP_SCHEDULE_DELAY": "100"], event: "untraced-1"
        ) { gateway, receiver, standIn in
            try await gateway.eventually("the http trigger") {
                (try? await standIn.log())?.contains { $0.path == "/hook/200" } == true
            }
            gateway.send(SIGTERM)
            #expect(try await gateway.waitForExit() == 0)
            #expect(try await receiver.exports().isEmpty)
            let log = try await standIn.log()
            #expect(log.count >= 2)
            #expect(log.allSatisfy { $0.headers["traceparent"] == nil })
            #expect(Self.logLines(gateway.logText).allSatisfy { $0[LoggingKeys.traceID] == nil })
        }
    }
}
