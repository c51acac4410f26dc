import EventModel
import LoopbackTesting
import SensorModel
import Testing
import Triggers

/// A traced firing's requests carry its W3C trace context; the workflow and the run it makes name its trace id; an
/// untraced firing sends none.
@Suite(.serialized)
struct TriggerTraceTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let traceparent = "00-\(traceID)-00f067aa0ba902b7-01"

    /// Only a well-formed `traceparent` is taken: version, 32 and 16 hex digits, flags; not all zeros, not `ff`;
    /// fields after these only in a later version.
    @Test(arguments: [
        (traceparent, true),
        ("01-\(traceID)-00f067aa0ba902b7-01-future", true),
        ("00-\(traceID)-00f067aa0ba902b7-01-future", false),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
        ("00-\(traceID)-0000000000000000-01", false),
        ("ff-\(traceID)-00f067aa0ba902b7-01", false),
        ("00-\(traceID)-00f067aa0ba902b7", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false),
        ("00-\(traceID)-00f067aa0ba902bz-01", false),
        ("", false),
    ])
    func parsesTraceparent(text: String, valid: Bool) {
        let trace = TriggerTrace(traceparent: text)
        #expect((trace != nil) == valid)
        if valid { #expect(trace?.traceID == Self.traceID) }
    }

    static func traced(_ trigger: Trigger, _ sensor: Sensor, id: String) throws -> TriggerFiring {
        var firing = TriggerFiring(trigger, sensor: sensor, events: event(id: id))
        firing.trace = try #require(TriggerTrace(traceparent: Self.traceparent, tracestate: "vendor=a"))
        return firing
    }

    /// The Argo Server's create carries `traceparent` and `tracestate`, the workflow the trace id annotation, and the
    /// trace notes the answer; the same trigger untraced sends neither.
    @Test func argoCreateCarriesTheTrace() async throws {
        let sensor = try sensor(sensorYAML(ArgoTriggerTests.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withStandIn({ TriggerConfiguration(argo: .init(server: $0), clock: ManualClock()) }) {
            executor, server in
            let firing = try Self.traced(trigger, sensor, id: "traced")
            #expect(await executor.execute(firing).outcome.label == "succeeded")
            #expect(await executor.execute(trigger, sensor: sensor, events: event(id: "plain")).label == "succeeded")
            let creates = try await server.log().filter { $0.method == "POST" }
            #expect(creates.count == 2)
            let traced = try #require(creates.first)
            #expect(traced.headers["traceparent"]?.stringValue == Self.traceparent)
            #expect(traced.headers["tracestate"]?.stringValue == "vendor=a")
            let annotations = traced.body?["workflow"]?["metadata"]?["annotations"]
            #expect(annotations?[TriggerTrace.traceIDAnnotation]?.stringValue == Self.traceID)
            #expect(firing.trace?.lastResponse?.status == 200)
            #expect(firing.trace?.lastResponse?.method == "POST")
            let plain = try #require(creates.last)
            #expect(plain.headers["traceparent"] == nil)
            #expect(plain.body?["workflow"]?["metadata"]?["annotations"]?[TriggerTrace.traceIDAnnotation] == nil)
        }
    }

    /// The `http` trigger's request carries `traceparent`; the trace notes the status.
    @Test func httpTriggerCarriesTheTrace() async throws {
        try await withStandIn({ _ in TriggerConfiguration(clock: ManualClock()) }) { executor, server in
            let sensor = try sensor(
                sensorYAML(
                    """
                        - template:
                            name: hook
                            http:
                              url: \(server.base)/hook/202
                    """))
            let firing = try Self.traced(try #require(sensor.triggers.first), sensor, id: "h")
            #expect(await executor.execute(firing).outcome.label == "succeeded")
            let request = try #require(try await server.log().first)
            #expect(request.headers["traceparent"]?.stringValue == Self.traceparent)
            #expect(firing.trace?.lastResponse?.status == 202)
            #expect(firing.trace?.lastResponse?.url == server.base + "/hook/202")
        }
    }

    /// The Kubeflow run's description ends with the trace id.
    @Test func kubeflowRunDescriptionNamesTheTrace() async throws {
        let sensor = try sensor(sensorYAML(KubeflowTriggerTests.trigger))
        let trigger = try #require(sensor.triggers.first)
        try await withStandIn({ TriggerConfiguration(kubeflow: .init(host: $0), clock: ManualClock()) }) {
            executor, server in
            #expect(await executor.execute(try Self.traced(trigger, sensor, id: "k")).outcome.label == "succeeded")
            let run = try #require(try await server.log().first { $0.method == "POST" && $0.path.hasSuffix("/runs") })
            #expect(run.body?["description"]?.stringValue == "\(TriggerTrace.traceIDAnnotation): \(Self.traceID)")
            #expect(run.headers["traceparent"]?.stringValue == Self.traceparent)
        }
    }
}
