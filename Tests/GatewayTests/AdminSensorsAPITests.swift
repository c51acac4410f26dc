import Foundation
import JetStreamTesting
import Testing

/// The console's sensor and dead-letter data, from the built `sensor-gateway run` against a real nats-server:
/// `GET /api/sensors` counts what each dependency and filter passed and rejected and shows held dependencies,
/// outcomes and latency; `GET /api/dead-letters` lists the dead letters with the command that replays them.
@Suite("Admin sensors and dead letters API", .serialized, .timeLimit(.minutes(3)), .natsServer, .gatewayBinary)
struct AdminSensorsAPITests {
    /// `order` with two data filters (neither one an index condition, so both are evaluated), a trigger on it, and
    /// `a && b`, whose halves are held.
    static let console = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: console}
        spec:
          dependencies:
            - name: order
              eventSourceName: src
              eventName: order
              filters:
                data:
                  - {path: body.kind, type: string, value: ["order"]}
                  - {path: body.amount, type: number, comparator: ">", value: ["10"]}
            - {name: a, eventSourceName: src, eventName: ca}
            - {name: b, eventSourceName: src, eventName: cb}
          triggers:
            - template: {name: orders, conditions: order, log: {}}
            - template: {name: both, conditions: "a && b", log: {}}

        """

    /// An http trigger whose payload parameter cannot resolve: every firing fails permanently and is dead-lettered.
    static let broken = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: broken}
        spec:
          dependencies:
            - {name: d, eventSourceName: src, eventName: d}
          triggers:
            - template:
                name: post
                http:
                  url: http://127.0.0.1:9/hook
                  payload:
                    - src: {dependencyName: d, dataKey: body.missing}
                      dest: value

        """

    static func event(_ name: String, id: String, data: [String: Any] = [:]) -> [String: Any] {
        PythonPublisher.event(subject: "events.src.\(name)", id: id, source: "src", name: name, data: data)
    }

    static func order(_ id: String, kind: String, amount: Int) -> [String: Any] {
        event("order", id: id, data: ["body": ["kind": kind, "amount": amount]])
    }

    /// The sensors `/api/sensors` answers with, by name.
    static func sensors(_ gateway: GatewayProcess, query: String = "") async throws -> [String: [String: Any]] {
        let answer = try AdminConsoleAPITests.object(await gateway.get("/api/sensors" + query))
        var byName: [String: [String: Any]] = [:]
        for sensor in answer["sensors"] as? [[String: Any]] ?? [] {
            if let name = sensor["name"] as? String { byName[name] = sensor }
        }
        return byName
    }

    /// The entry named `name` of a list of JSON objects.
    static func named(_ name: String, in list: Any?) throws -> [String: Any] {
        let entries = try #require(list as? [[String: Any]])
        return try #require(entries.first { $0["name"] as? String == name }, "no \(name) in \(entries)")
    }

    /// An event that passes, one rejected by the first data filter, one by the second, and one half of `a && b`:
    /// the counts name the rejecting filter, the held half shows with its event id and age, the trigger that fired
    /// its outcome and latency; paging and the rejected document; bad queries are refused.
    @Test func sensorsShowCountsHeldDependenciesOutcomesAndPaging() async throws {
        try await GatewayEndToEndTests.withServer(
            sensors: [
                "console.yaml": Self.console, "single.yaml": GatewayEndToEndTests.single,
                "bad.yaml": GatewayEndToEndTests.invalid(named: "bad"),
            ]
        ) { server, workspace in
            let gateway = try await GatewayEndToEndTests.startGateway(workspace)
            try PythonPublisher.publish(
                server: server.url,
                [
                    Self.order("order-passes", kind: "order", amount: 50),
                    Self.order("order-refund", kind: "refund", amount: 50),
                    Self.order("order-small", kind: "order", amount: 5),
                    Self.event("ca", id: "held-a"),
                ])
            try await gateway.eventually("the firing and the held half") {
                guard let console = try? await Self.sensors(gateway)["console"],
                    let both = try? Self.named("both", in: console["triggers"]),
                    let orders = try? Self.named("orders", in: console["triggers"])
                else { return false }
                return (both["held"] as? [Any])?.count == 1 && orders["last"] is [String: Any]
            }
            try await gateway.eventually("the three orders counted") {
                guard let console = try? await Self.sensors(gateway)["console"],
                    let order = try? Self.named("order", in: console["dependencies"])
                else { return false }
                return (order["passed"] as? Int ?? 0) + (order["rejected"] as? Int ?? 0) == 3
            }

            let answer = try AdminConsoleAPITests.object(await gateway.get("/api/sensors"))
            #expect(answer["total"] as? Int == 2)
            #expect(answer["offset"] as? Int == 0)
            #expect(answer["limit"] as? Int == 50)
            #expect(
                (answer["sensors"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["console", "single"])
            let rejected = try #require((answer["rejected"] as? [[String: Any]])?.first)
            #expect((rejected["file"] as? String)?.hasSuffix("bad.yaml") == true)
            #expect(rejected["name"] as? String == "bad")
            #expect(
                (rejected["finding"] as? String)?.contains("error: not supported: spec.bogus") == true, "\(rejected)")

            let console = try #require(try await Self.sensors(gateway)["console"])
            #expect((console["file"] as? String)?.hasSuffix("console.yaml") == true)
            let order = try Self.named("order", in: console["dependencies"])
            #expect(order["subject"] as? String == "events.src.order")
            #expect((order["consumer"] as? String)?.hasPrefix("sg-events_src_order-") == true)
            #expect(order["eventSourceName"] as? String == "src")
            #expect(order["eventName"] as? String == "order")
            #expect(order["passed"] as? Int == 1)
            #expect(order["rejected"] as? Int == 2)
            let filters = try #require(order["filters"] as? [[String: Any]])
            #expect(filters.map { $0["kind"] as? String } == ["data", "data"])
            #expect(filters.first?["description"] as? String == "body.kind string = [order]")
            // The kind filter passed two orders and rejected the refund; the amount filter, reached by those two,
            // passed one and rejected the small one.
            #expect(filters.map { $0["passed"] as? Int } == [2, 1], "\(filters)")
            #expect(filters.map { $0["rejected"] as? Int } == [1, 1], "\(filters)")

            let orders = try Self.named("orders", in: console["triggers"])
            #expect(orders["condition"] as? String == "order")
            #expect(orders["engine"] as? String == "log")
            #expect((orders["held"] as? [Any])?.isEmpty == true)
            #expect(orders["outcomes"] as? [String: Int] == ["succeeded": 1])
            let last = try #require(orders["last"] as? [String: Any])
            #expect(last["outcome"] as? String == "succeeded")
            #expect(last["at"] is String && last["detail"] is String)
            let latency = try #require(orders["latency"] as? [String: Any])
            #expect(latency["count"] as? Int == 1)
            #expect((latency["meanMs"] as? Double).map { $0 >= 0 } == true)
            #expect((latency["maxMs"] as? Double).map { $0 >= 0 } == true)

            let both = try Self.named("both", in: console["triggers"])
            #expect(both["condition"] as? String == "a && b")
            #expect(both["last"] is NSNull && both["latency"] is NSNull, "\(both)")
            let held = try #require((both["held"] as? [[String: Any]])?.first)
            #expect(held["dependency"] as? String == "a")
            #expect(held["eventId"] as? String == "held-a")
            #expect((held["since"] as? String)?.hasSuffix("Z") == true)
            #expect((held["ageSeconds"] as? Double).map { $0 >= 0 } == true, "\(held)")

            // The lag ConsumerLagService reads shows per dependency, here and in /status.
            try await gateway.eventually("the consumer lag") {
                guard let console = try? await Self.sensors(gateway)["console"],
                    let order = try? Self.named("order", in: console["dependencies"])
                else { return false }
                return (order["lag"] as? [String: Any])?["pending"] as? Int == 0
            }
            #expect(await gateway.get("/status")?.body.contains(#""lag":{"#) == true)

            // Paging and the name filter.
            let second = try AdminConsoleAPITests.object(await gateway.get("/api/sensors?offset=1&limit=1"))
            #expect(second["total"] as? Int == 2)
            #expect((second["sensors"] as? [[String: Any]])?.map { $0["name"] as? String } == ["single"])
            let search = try AdminConsoleAPITests.object(await gateway.get("/api/sensors?q=CONS"))
            #expect(search["total"] as? Int == 1)
            #expect((search["sensors"] as? [[String: Any]])?.map { $0["name"] as? String } == ["console"])
            for query in ["offset=-1", "limit=0", "limit=501", "limit=ten"] {
                let refused = await gateway.get("/api/sensors?\(query)")
                #expect(refused?.status == 400, "\(query)")
                #expect(refused?.body.contains(#""error":"#) == true, "\(query): \(refused?.body ?? "")")
            }
            try await GatewayEndToEndTests.stop(gateway)
        }
    }

    /// A trigger that fails permanently dead-letters its message: `/api/dead-letters` lists it, newest first, with
    /// reason, sensor, trigger and the command that replays it, and never the payload.
    @Test func deadLettersListTheEntryAndItsReplayCommand() async throws {
        try await GatewayEndToEndTests.withServer(sensors: ["broken.yaml": Self.broken]) { server, workspace in
            let gateway = try await GatewayEndToEndTests.startGateway(workspace)
            let empty = try AdminConsoleAPITests.object(await gateway.get("/api/dead-letters"))
            #expect(empty["stream"] as? String == "DLQ")
            #expect(empty["total"] as? Int == 0)
            #expect((empty["entries"] as? [Any])?.isEmpty == true)

            try PythonPublisher.publish(
                server: server.url,
                [
                    Self.event("d", id: "fails-1", data: ["secretish": "do-not-show"]),
                    Self.event("d", id: "fails-2"),
                ])
            try await gateway.eventually("two dead letters") {
                await gateway.metric(#"sensor_gateway_dlq_total{sensor="broken",reason="permanent"}"#) == 2
            }
            let answer = try #require(await gateway.get("/api/dead-letters"))
            #expect(!answer.body.contains("do-not-show"), "no payload: \(answer.body)")
            let listed = try AdminConsoleAPITests.object(answer)
            #expect(listed["total"] as? Int == 2)
            let entries = try #require(listed["entries"] as? [[String: Any]])
            #expect(entries.map { $0["sequence"] as? Int } == [2, 1])
            // Processed concurrently, the two may be dead-lettered in either order.
            #expect(Set(entries.compactMap { $0["eventId"] as? String }) == ["fails-1", "fails-2"])
            let newest = try #require(entries.first)
            #expect((newest["reason"] as? String)?.hasPrefix("permanent: ") == true, "\(newest)")
            #expect(newest["sensor"] as? String == "broken")
            #expect(newest["trigger"] as? String == "post")
            #expect(newest["subject"] as? String == "events.src.d")
            #expect(newest["deliveries"] as? Int == 1)
            #expect((newest["streamSequence"] as? Int).map { $0 > 0 } == true)
            #expect((newest["firing"] as? String)?.isEmpty == false)
            #expect((newest["time"] as? String)?.hasSuffix("Z") == true)
            #expect(newest["replay"] as? String == "sensor-gateway dlq replay 2")

            let one = try AdminConsoleAPITests.object(await gateway.get("/api/dead-letters?limit=1"))
            #expect((one["entries"] as? [[String: Any]])?.map { $0["sequence"] as? Int } == [2])
            #expect(await gateway.get("/api/dead-letters?limit=0")?.status == 400)
            #expect(await gateway.get("/api/dead-letters?limit=201")?.status == 400)
            try await GatewayEndToEndTests.stop(gateway)
        }
    }
}
