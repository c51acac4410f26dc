import Foundation
import JetStreamTesting
import SensorEngine
import Testing

/// The admin server's data for the console, from the built `sensor-gateway run` against a real nats-server:
/// `GET /api/firings` lists what fired, `POST /api/explain` explains a pasted event against the running sensors.
@Suite("Admin console API", .serialized, .timeLimit(.minutes(3)), .natsServer, .gatewayBinary)
struct AdminConsoleAPITests {
    /// A parsed JSON object answer, or a failure naming the body.
    static func object(_ answer: (status: Int, body: String)?) throws -> [String: Any] {
        let body = try #require(answer?.body)
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw HarnessFailure(description: "not a JSON object: \(body)")
        }
        return object
    }

    /// The firings `/api/firings` lists.
    static func firings(_ gateway: GatewayProcess) async throws -> [[String: Any]] {
        try object(await gateway.get("/api/firings"))["firings"] as? [[String: Any]] ?? []
    }

    /// A structured JSON CloudEvent of `src`/`one`, as `explain` takes it.
    static func pastedEvent(_ id: String, accepted: Bool) throws -> [UInt8] {
        let event = try #require(
            GatewayEndToEndTests.oneEvent(id, accepted: accepted, name: "pasted")["event"] as? [String: Any])
        return Array(try JSONSerialization.data(withJSONObject: event))
    }

    /// The first trigger of the first sensor in an explain answer.
    static func firstTrigger(_ explained: [String: Any]) throws -> [String: Any] {
        let sensor = try #require((explained["sensors"] as? [[String: Any]])?.first)
        return try #require((sensor["triggers"] as? [[String: Any]])?.first)
    }

    /// One event fires and one is filtered: `/api/firings` lists the firing alone, with the id its workflow is
    /// named after, the event that caused it, the engine and the outcome.
    @Test func firingsListTheFiringWithItsIDAndOutcome() async throws {
        try await GatewayEndToEndTests.withServer(sensors: ["single.yaml": GatewayEndToEndTests.single]) {
            server, workspace in
            let gateway = try await GatewayEndToEndTests.startGateway(workspace)
            #expect(try await Self.firings(gateway).isEmpty)
            try PythonPublisher.publish(
                server: server.url,
                [
                    GatewayEndToEndTests.oneEvent("filtered-1", accepted: false),
                    GatewayEndToEndTests.oneEvent("fires-1", name: "first"),
                ])
            try await gateway.eventually("the filtered event to be counted") {
                await gateway.metric(
                    #"sensor_gateway_events_filtered_total{sensor="single",dependency="one",reason="filter"}"#) == 1
            }
            try await gateway.eventually("a firing listed") { (try? await Self.firings(gateway).count) == 1 }
            let answer = try Self.object(await gateway.get("/api/firings"))
            #expect(answer["capacity"] as? Int == 200)
            let firings = try #require(answer["firings"] as? [[String: Any]])
            #expect(firings.count == 1)
            let firing = try #require(firings.first)
            #expect(firing["sensor"] as? String == "single")
            #expect(firing["trigger"] as? String == "notify")
            #expect(firing["events"] as? [String] == ["fires-1"])
            #expect(firing["engine"] as? String == "argo")
            #expect(firing["outcome"] as? String == "succeeded")
            #expect((firing["durationSeconds"] as? Double).map { $0 >= 0 } == true)
            #expect(firing["at"] is String)
            #expect(firing["traceID"] == nil)
            let id = try #require(firing["id"] as? String)
            #expect(id.count == FiringIdentity.idDigits)
            let record = try #require(workspace.outboxRecords().values.first)
            let workflow = (record["body"] as? [String: Any])?["workflow"] as? [String: Any]
            #expect((workflow?["metadata"] as? [String: Any])?["name"] as? String == "notify-" + id)
            try await GatewayEndToEndTests.stop(gateway)
        }
    }

    /// A pasted event is explained against the running sensors, per dependency and filter with the value the filter
    /// saw and the request that would be sent; nothing is fired. A filtered event names its failed filter and the
    /// near miss; an event over 1 MiB and a body that is no CloudEvent are refused with a reason.
    @Test func explainShowsVerdictsAndFiresNothing() async throws {
        try await GatewayEndToEndTests.withServer(sensors: ["single.yaml": GatewayEndToEndTests.single]) {
            _, workspace in
            let gateway = try await GatewayEndToEndTests.startGateway(workspace)

            let passing = try #require(
                await gateway.post("/api/explain", body: try Self.pastedEvent("pasted-1", accepted: true)))
            #expect(passing.status == 200, "\(passing.body)")
            let fires = try Self.firstTrigger(try Self.object(passing))
            #expect(fires["name"] as? String == "notify")
            #expect(fires["fires"] as? Bool == true)
            #expect(fires["dependencies"] as? [String] == ["one"])
            let filter = try #require((fires["filters"] as? [[String: Any]])?.first)
            #expect(filter["dependency"] as? String == "one")
            #expect(filter["passed"] as? Bool == true)
            #expect(filter["observed"] as? Bool == true)
            #expect(filter["event"] as? String == "pasted-1")
            let request = try #require(fires["request"] as? [String: Any])
            #expect(request.description.contains("pasted"), "the resolved parameter: \(request)")

            let rejected = try #require(
                await gateway.post("/api/explain", body: try Self.pastedEvent("pasted-2", accepted: false)))
            #expect(rejected.status == 200, "\(rejected.body)")
            let explained = try Self.object(rejected)
            let waits = try Self.firstTrigger(explained)
            #expect(waits["fires"] as? Bool == false)
            let failed = try #require((waits["filters"] as? [[String: Any]])?.first)
            #expect(failed["passed"] as? Bool == false)
            #expect(failed["observed"] as? Bool == false)
            #expect(explained["nearMiss"] != nil)

            let tooLarge = await gateway.post("/api/explain", body: Array(repeating: 0x20, count: (1 << 20) + 1))
            #expect(tooLarge?.status == 413)
            #expect(tooLarge?.body.contains("larger than") == true)
            let notAnEvent = await gateway.post("/api/explain", body: Array(#"{"hello": "world"}"#.utf8))
            #expect(notAnEvent?.status == 400)
            #expect(notAnEvent?.body.contains("not a CloudEvent") == true)

            // Nothing was fired or sent.
            #expect(try await Self.firings(gateway).isEmpty)
            #expect(workspace.outboxRecords().isEmpty)
            #expect(
                await gateway.metric(
                    #"sensor_gateway_triggers_total{sensor="single",trigger="notify",engine="argo",outcome="succeeded",route=""}"#
                ) == 0)
            try await GatewayEndToEndTests.stop(gateway)
        }
    }

    /// A JSON array of events is explained as `sensor-gateway explain` explains several files: fed in order, so both
    /// halves of `a && b` fire the trigger; a bad element is refused with its index.
    @Test func explainTakesSeveralEventsInOrder() async throws {
        try await GatewayEndToEndTests.withServer(sensors: ["pair.yaml": GatewayEndToEndTests.pair]) { _, workspace in
            let gateway = try await GatewayEndToEndTests.startGateway(workspace)
            func event(_ name: String) throws -> Any {
                try #require(AdminAPIConformanceTests.event(name, id: "pasted-\(name)")["event"])
            }
            func explained(_ events: [Any]) async throws -> [String: Any] {
                let body = Array(try JSONSerialization.data(withJSONObject: events))
                let answer = await gateway.post("/api/explain", body: body)
                #expect(answer?.status == 200, "\(answer?.body ?? "")")
                return try Self.firstTrigger(try Self.object(answer))
            }
            #expect(try await explained([try event("a")])["fires"] as? Bool == false)
            let both = try await explained([try event("a"), try event("b")])
            #expect(both["fires"] as? Bool == true, "\(both)")
            #expect(both["dependencies"] as? [String] == ["a", "b"])

            let bad = Array(try JSONSerialization.data(withJSONObject: [try event("a"), ["hello": "world"]]))
            let refused = await gateway.post("/api/explain", body: bad)
            #expect(refused?.status == 400)
            #expect(refused?.body.contains("element 1 is not a CloudEvent") == true, "\(refused?.body ?? "")")
            #expect(await gateway.post("/api/explain", body: Array("[]".utf8))?.status == 400)
            #expect(workspace.outboxRecords().isEmpty)
            try await GatewayEndToEndTests.stop(gateway)
        }
    }

    /// A `route` trigger's explained request follows the routing matrix the gateway runs, also after a reload.
    @Test func explainUsesTheRunningRoutingMatrix() async throws {
        try await GatewayEndToEndTests.withServer(sensors: ["router.yaml": GatewayEndToEndTests.router]) {
            _, workspace in
            let routing = workspace.directory.appendingPathComponent("routing.yaml")
            try GatewayEndToEndTests.routingMatrix(template: "template-alpha")
                .write(to: routing, atomically: true, encoding: .utf8)
            let gateway = try await GatewayEndToEndTests.startGateway(workspace)
            let work = try #require(
                PythonPublisher.event(subject: "events.src.work", id: "w1", source: "src", name: "work", data: [:])[
                    "event"] as? [String: Any])
            let body = Array(try JSONSerialization.data(withJSONObject: work))
            func explainedRequest() async throws -> String {
                let trigger = try Self.firstTrigger(try Self.object(await gateway.post("/api/explain", body: body)))
                #expect(trigger["fires"] as? Bool == true)
                return "\(trigger["request"] ?? "none")"
            }
            #expect(try await explainedRequest().contains("template-alpha"))

            try GatewayEndToEndTests.routingMatrix(template: "template-beta")
                .write(to: routing, atomically: true, encoding: .utf8)
            try await gateway.eventually("the routing reload") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="success"}"#) >= 1
            }
            let reloaded = try await explainedRequest()
            #expect(reloaded.contains("template-beta") && !reloaded.contains("template-alpha"), "\(reloaded)")
            #expect(workspace.outboxRecords().isEmpty)
            try await GatewayEndToEndTests.stop(gateway)
        }
    }

    /// With `admin.tokenFile`, the console's endpoints need the bearer token as `/status` does.
    @Test func consoleEndpointsRequireTheAdminToken() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("sg-token-\(UUID().uuidString)")
        try "console-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["single.yaml": GatewayEndToEndTests.single],
            admin: "tokenFile: \(tokenFile.path)")
        defer { workspace.remove() }
        let gateway = try await GatewayEndToEndTests.startGateway(workspace)
        let event = try Self.pastedEvent("pasted-3", accepted: true)
        for path in ["/api/firings", "/api/sensors", "/api/dead-letters"] {
            #expect(await gateway.get(path)?.status == 401, "\(path)")
            #expect(await gateway.get(path, token: "console-token")?.status == 200, "\(path)")
        }
        #expect(await gateway.post("/api/explain", body: event)?.status == 401)
        #expect(await gateway.post("/api/explain", body: event, token: "console-token")?.status == 200)
        try await GatewayEndToEndTests.stop(gateway)
    }
}
