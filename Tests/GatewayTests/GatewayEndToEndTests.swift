import ConfigReader
import EventModel
import Foundation
import Gateway
import JetStream
import JetStreamTesting
import LocalFiles
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import Testing

/// The built `sensor-gateway run` against a real nats-server, fed by a third-party publisher (nats-py + msgpack).
/// With no `argo.server`, the Triggers module writes each workflow it would submit to the outbox (one file per
/// deterministic name); the routing test sends real requests to the Argo/KFP stand-in.
@Suite(
    "Gateway end to end", .serialized, .timeLimit(.minutes(3)),
    .natsServer, .gatewayBinary)
struct GatewayEndToEndTests {
    /// One dependency with a filter on `body.accepted`, one Argo workflow submission whose parameter takes
    /// `body.name`.
    static let single = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: single}
        spec:
          dependencies:
            - name: one
              eventSourceName: src
              eventName: one
              filters:
                data:
                  - {path: body.accepted, type: bool, value: ["true"]}
          triggers:
            - template:
                name: notify
                argoWorkflow:
                  operation: submit
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata: {generateName: notify-}
                      spec:
                        workflowTemplateRef: {name: notify}
                        arguments:
                          parameters:
                            - {name: name, value: placeholder}
                  parameters:
                    - src: {dependencyName: one, dataKey: body.name}
                      dest: spec.arguments.parameters.0.value

        """

    /// The `name` parameter of the workflow an outbox record would submit.
    static func workflowParameter(_ record: [String: Any]) -> String? {
        let workflow = (record["body"] as? [String: Any])?["workflow"] as? [String: Any]
        let arguments = (workflow?["spec"] as? [String: Any])?["arguments"] as? [String: Any]
        return ((arguments?["parameters"] as? [[String: Any]])?.first)?["value"] as? String
    }

    /// Two dependencies, `a && b`, creating a Workflow as most Argo Events sensors do (a `k8s` trigger).
    static let pair = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: pair}
        spec:
          dependencies:
            - {name: a, eventSourceName: src, eventName: a}
            - {name: b, eventSourceName: src, eventName: b}
          triggers:
            - template:
                name: both
                conditions: "a && b"
                k8s:
                  operation: create
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata: {generateName: pair-}
                      spec:
                        entrypoint: main
                        templates:
                          - name: main
                            container: {image: busybox}

        """

    /// A nats-server and a workspace with `sensors` for the length of `body`.
    static func withServer(
        sensors: [String: String], _ body: (NATSServerProcess, GatewayWorkspace) async throws -> Void
    ) async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(natsURL: server.url, sensors: sensors)
        defer { workspace.remove() }
        try await body(server, workspace)
    }

    /// Starts a gateway on `workspace` and waits until it is ready.
    static func startGateway(_ workspace: GatewayWorkspace) async throws -> GatewayProcess {
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        return gateway
    }

    /// SIGTERM, and the gateway exits 0.
    static func stop(_ gateway: GatewayProcess) async throws {
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }

    /// The sensor `slow`: each `src`/`one` event fires the `http` trigger `trigger`, which posts to `url`.
    static func slowSensor(trigger: String, url: String, timeout: Int = 10) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: slow}
        spec:
          dependencies: [{name: one, eventSourceName: src, eventName: one}]
          triggers:
            - template:
                name: \(trigger)
                http: {url: "\(url)", timeout: \(timeout)}
        """
    }

    static func oneEvent(_ id: String, accepted: Bool = true, name: String = "n") -> [String: Any] {
        PythonPublisher.event(
            subject: "events.src.one", id: id, source: "src", name: "one",
            data: ["body": ["accepted": accepted, "name": name]])
    }

    /// A matching event fires (its workflow, with the resolved parameter, goes to the outbox); a filtered one does
    /// not; /metrics counts what was sent.
    @Test func matchingEventFiresAndMetricsCount() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single]) { server, workspace in
            let gateway = try await Self.startGateway(workspace)
            try PythonPublisher.publish(
                server: server.url,
                [
                    Self.oneEvent("e1", name: "first"), Self.oneEvent("e2", name: "second"),
                    Self.oneEvent("e3", accepted: false),
                ])
            try await gateway.eventually("two outbox records") { workspace.outboxRecords().count == 2 }
            let names = workspace.outboxRecords().values.compactMap(Self.workflowParameter)
            #expect(names.sorted() == ["first", "second"])
            let record = try #require(workspace.outboxRecords().values.first)
            #expect(record["sensor"] as? String == "single")
            #expect(record["trigger"] as? String == "notify")
            #expect(record["url"] as? String == "{argo.server}/api/v1/workflows/argo")
            try await gateway.eventually("the metrics") {
                await gateway.metric(
                    #"sensor_gateway_triggers_total{sensor="single",trigger="notify",engine="argo",outcome="succeeded",route=""}"#
                ) == 2
            }
            #expect(
                await gateway.metric(#"sensor_gateway_events_received_total{sensor="single",dependency="one"}"#) == 3)
            #expect(
                await gateway.metric(
                    #"sensor_gateway_events_filtered_total{sensor="single",dependency="one",reason="filter"}"#)
                    == 1)
            #expect(await gateway.metric("sensor_gateway_nats_connected") == 1)
            #expect(await gateway.metric("sensor_gateway_event_to_trigger_seconds_count") == 2)
            #expect(await gateway.metric(#"sensor_gateway_trigger_duration_seconds_count{engine="argo"}"#) == 2)
            let status = try #require(await gateway.get("/status"))
            #expect(status.status == 200)
            #expect(status.body.contains(#""lastOutcome""#))
            #expect(await gateway.get("/healthz")?.status == 200)
            // JSON log lines about a firing carry the sensor, the trigger and the event id.
            let fired = gateway.logText.split(separator: "\n").filter { $0.contains(#""message":"trigger executed""#) }
            #expect(fired.count == 2)
            #expect(fired.allSatisfy { $0.contains(#""sensor":"single""#) && $0.contains(#""trigger":"notify""#) })
            #expect(fired.contains { $0.contains(#""event.id":"e1""#) })
            // Each firing's id is in its log line, its workflow's name and label, and its outbox file's name.
            for (file, record) in workspace.outboxRecords() {
                let workflow = (record["body"] as? [String: Any])?["workflow"] as? [String: Any]
                let metadata = workflow?["metadata"] as? [String: Any]
                let id = try #require((metadata?["labels"] as? [String: Any])?[FiringIdentity.firingLabel] as? String)
                #expect(id.count == FiringIdentity.idDigits)
                #expect((metadata?["name"] as? String)?.hasSuffix("-" + id) == true)
                #expect(file.hasSuffix("-\(id).json"), "\(file)")
                #expect(fired.contains { $0.contains(#""firing":"\#(id)""#) && $0.contains(#""engine":"argo""#) })
            }
            try await Self.stop(gateway)
        }
    }

    /// The halves of `a && b` straddle a restart: the held half survives in KV and the trigger fires exactly once.
    @Test func conditionStraddlingRestartFiresOnce() async throws {
        try await Self.withServer(sensors: ["pair.yaml": Self.pair]) { server, workspace in
            let first = try await Self.startGateway(workspace)
            try PythonPublisher.publish(
                server: server.url,
                [PythonPublisher.event(subject: "events.src.a", id: "a1", source: "src", name: "a", data: ["x": 1])])
            try await first.eventually("a held") {
                await first.metric(#"sensor_gateway_correlations_pending{sensor="pair"}"#) == 1
            }
            try await Self.stop(first)
            #expect(workspace.outboxRecords().isEmpty)

            let second = try await Self.startGateway(workspace)
            #expect(await second.metric(#"sensor_gateway_correlations_pending{sensor="pair"}"#) == 1)
            try PythonPublisher.publish(
                server: server.url,
                [PythonPublisher.event(subject: "events.src.b", id: "b1", source: "src", name: "b", data: ["y": 2])])
            try await second.eventually("the pair to fire") { workspace.outboxRecords().count == 1 }
            // A later b starts a new round: it is held, not fired with the a already consumed.
            try PythonPublisher.publish(
                server: server.url,
                [
                    PythonPublisher.event(
                        subject: "events.src.b", id: "b1-again", source: "src", name: "b", data: ["y": 3])
                ])
            try await second.eventually("b held again") {
                await second.metric(#"sensor_gateway_correlations_pending{sensor="pair"}"#) == 1
            }
            let records = workspace.outboxRecords()
            #expect(records.count == 1)
            let events = try #require(records.values.first?["events"] as? [String: String])
            #expect(events == ["a": "a1", "b": "b1"])
            try await Self.stop(second)
        }
    }

    /// An undecodable message goes to the DLQ with its reason and is terminated, not redelivered; the next event
    /// is processed as usual.
    @Test func poisonMessageIsDeadLettered() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single]) { server, workspace in
            let gateway = try await Self.startGateway(workspace)
            try PythonPublisher.publish(
                server: server.url,
                [["subject": "events.src.one", "raw_hex": "c1ffee"], Self.oneEvent("after-poison")])
            try await gateway.eventually("the next event to fire") { workspace.outboxRecords().count == 1 }
            try await gateway.eventually("the dead letter to be counted") {
                await gateway.metric(#"sensor_gateway_dlq_total{sensor="",reason="undecodable"}"#) == 1
            }
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            let letters = try await connection.readStream("DLQ", expecting: 1)
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(letter.subject == "dlq.sensor-gateway")
            #expect(letter.header("Sensor-Gateway-Reason")?.hasPrefix("undecodable") == true)
            #expect(letter.header("Sensor-Gateway-Subject") == "events.src.one")
            #expect(letter.header("Sensor-Gateway-Stream-Sequence") == "1")
            #expect(letter.header("Sensor-Gateway-Deliveries") == "1")
            #expect(letter.data == [0xc1, 0xff, 0xee])
            try await gateway.eventually("the events consumer to have nothing outstanding") {
                let info = try? await connection.consumerInfo(
                    stream: "EVENTS", consumer: SensorSet.durableName(subject: "events.src.one"))
                return info?.ackPending == 0 && info?.redelivered == 0
            }
            await connection.close()
            try await Self.stop(gateway)
        }
    }

    /// SIGTERM while events are being published and processed: the gateway drains and exits 0; after a restart
    /// every event has fired exactly once.
    @Test func sigtermDuringLoadLosesNothing() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single]) { server, workspace in
            let first = try await Self.startGateway(workspace)
            let total = 1000
            let publisher = try PythonPublisher.start(
                server: server.url, (0..<total).map { Self.oneEvent("load-\($0)", name: "n\($0)") })
            try await first.eventually("some events to fire") { workspace.outboxRecords().count >= 20 }
            try await Self.stop(first)
            #expect(try publisher.finish().count == total)
            #expect(first.logText.contains("shutting down: draining consumers"))
            let second = try await Self.startGateway(workspace)
            try await second.eventually("every event to fire", timeout: .seconds(60)) {
                workspace.outboxRecords().count == total
            }
            let names = Set(workspace.outboxRecords().values.compactMap(Self.workflowParameter))
            #expect(names.count == total)
            try await Self.stop(second)
        }
    }

    /// `single` named `name`, with a key Argo Events does not have at line 5, column 3.
    static func invalid(named name: String) -> String {
        single.replacingOccurrences(
            of: "metadata: {name: single}\nspec:\n", with: "metadata: {name: \(name)}\nspec:\n  bogus: 1\n")
    }

    /// A directory with a valid and an invalid sensor: the gateway starts with the valid one, which fires; the invalid
    /// one is logged, listed in /status with its located findings and counted by a gauge.
    @Test func invalidSensorIsSkippedAndReported() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single, "bad.yaml": Self.invalid(named: "bad")]) {
            server, workspace in
            let gateway = try await Self.startGateway(workspace)
            try PythonPublisher.publish(server: server.url, [Self.oneEvent("valid-fires")])
            try await gateway.eventually("the valid sensor to fire") { workspace.outboxRecords().count == 1 }
            let status = try #require(await gateway.get("/status")?.body)
            #expect(status.contains(#""name":"bad""#))
            #expect(status.contains("bad.yaml:5:3: error: not supported: spec.bogus"), "\(status)")
            #expect(await gateway.metric("sensor_gateway_sensors_rejected") == 1)
            #expect(gateway.logText.contains("sensor rejected"))
            try await Self.stop(gateway)
        }
    }

    /// With no valid sensor at all the gateway still starts and is ready, consuming nothing, and reports the rejected
    /// one.
    @Test func onlyInvalidSensorsStartReady() async throws {
        try await Self.withServer(sensors: ["bad.yaml": Self.invalid(named: "bad")]) { _, workspace in
            let gateway = try await Self.startGateway(workspace)
            let status = try #require(await gateway.get("/status")?.body)
            #expect(status.contains(#""sensors":[]"#), "\(status)")
            #expect(status.contains(#""name":"bad""#))
            #expect(await gateway.metric("sensor_gateway_sensors_rejected") == 1)
            try await Self.stop(gateway)
        }
    }

    /// `run --strict` refuses to start when a sensor is invalid.
    @Test func strictRunRefusesInvalidSensor() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single, "bad.yaml": Self.invalid(named: "bad")]) {
            _, workspace in
            let gateway = try GatewayProcess(workspace, arguments: ["--strict"])
            #expect(try await gateway.waitForExit() == 1)
        }
    }

    /// With `--strict`, a reload with an invalid sensor is rejected whole: the running sensors stay, and /status says
    /// why.
    @Test func strictReloadIsRejectedWhole() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single]) { server, workspace in
            let gateway = try GatewayProcess(workspace, arguments: ["--strict"])
            try await gateway.waitUntilReady()
            try workspace.writeSensor("bad.yaml", Self.invalid(named: "bad"))
            try await gateway.eventually("the reload to be rejected") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="failure"}"#) >= 1
            }
            #expect(await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="partial"}"#) == 0)
            try PythonPublisher.publish(server: server.url, [Self.oneEvent("strict")])
            try await gateway.eventually("the running sensor to fire") { workspace.outboxRecords().count == 1 }
            let status = try #require(await gateway.get("/status")?.body)
            #expect(status.contains("lastReloadError"))
            #expect(status.contains(#""rejectedSensors":[]"#), "\(status)")
            try await Self.stop(gateway)
        }
    }

    /// A broken sensor file is rejected and the old sensors keep working; a valid change is applied (a new subject
    /// gets its consumer, a removed one loses it) on file change and on SIGHUP.
    @Test func reloadKeepsOldSensorsOnBrokenFile() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single]) { server, workspace in
            let gateway = try await Self.startGateway(workspace)
            try workspace.writeSensor(
                "broken.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nspec: [unclosed\n")
            try await gateway.eventually("the reload to be applied without the broken file") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="partial"}"#) >= 1
            }
            try PythonPublisher.publish(server: server.url, [Self.oneEvent("still-works")])
            try await gateway.eventually("the old sensor to fire") { workspace.outboxRecords().count == 1 }
            let broken = try #require(await gateway.get("/status")?.body)
            #expect(broken.contains(#""rejectedSensors":[{"file":""#))
            #expect(broken.contains("broken.yaml:4:1: error:"), "\(broken)")
            #expect(await gateway.metric("sensor_gateway_sensors_rejected") == 1)

            // An invalid new version of a running sensor keeps the running one, as `kubectl apply` would.
            let partial = await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="partial"}"#)
            try workspace.writeSensor("single.yaml", Self.invalid(named: "single"))
            try await gateway.eventually("the reload with the invalid version") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="partial"}"#) > partial
            }
            #expect(await gateway.metric("sensor_gateway_sensors_rejected") == 2)
            try PythonPublisher.publish(server: server.url, [Self.oneEvent("kept")])
            try await gateway.eventually("the running version to fire") { workspace.outboxRecords().count == 2 }
            let kept = try #require(await gateway.get("/status")?.body)
            #expect(kept.contains(#""name":"single""#))
            #expect(kept.contains("single.yaml:5:3: error:"), "\(kept)")

            try workspace.writeSensor("single.yaml", Self.single)
            try FileManager.default.removeItem(at: workspace.sensors.appendingPathComponent("broken.yaml"))
            try workspace.writeSensor("pair.yaml", Self.pair)
            try await gateway.eventually("the reload to be applied") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="success"}"#) >= 1
            }
            try await gateway.waitUntilReady()
            try PythonPublisher.publish(
                server: server.url,
                [
                    PythonPublisher.event(subject: "events.src.a", id: "ra", source: "src", name: "a", data: [:]),
                    PythonPublisher.event(subject: "events.src.b", id: "rb", source: "src", name: "b", data: [:]),
                ])
            try await gateway.eventually("the new sensor to fire") { workspace.outboxRecords().count == 3 }
            let before = await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="success"}"#)
            gateway.send(SIGHUP)
            try await gateway.eventually("SIGHUP to reload") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="success"}"#) == before + 1
            }

            // Removing the sensor stops its consumers; the gateway stays ready with the remaining sensor.
            try FileManager.default.removeItem(at: workspace.sensors.appendingPathComponent("pair.yaml"))
            try await gateway.eventually("the pair sensor to be gone") {
                await gateway.get("/status")?.body.contains(#""name":"pair""#) == false
            }
            try await gateway.eventually("the consumer of events.src.a to stop") {
                gateway.logText.split(separator: "\n").contains {
                    $0.contains(#""message":"stopped consuming""#)
                        && $0.contains(SensorSet.durableName(subject: "events.src.a"))
                }
            }
            try await gateway.waitUntilReady()
            try await Self.stop(gateway)
        }
    }

    /// A sensor file mounted as Kubernetes mounts a ConfigMap (a link through `..data` to a versioned directory) is
    /// reloaded when the link is swapped to a new version, without a SIGHUP.
    @Test func configMapStyleSwapIsReloaded() async throws {
        try await Self.withServer(sensors: [:]) { server, workspace in
            let manager = FileManager.default
            let mount = workspace.directory.appendingPathComponent("mount")
            func publishVersion(_ version: String, sensor: String) throws {
                let directory = mount.appendingPathComponent(version)
                try manager.createDirectory(at: directory, withIntermediateDirectories: true)
                try sensor.write(
                    to: directory.appendingPathComponent("sensors.yaml"), atomically: true, encoding: .utf8)
                let link = mount.appendingPathComponent("..data_tmp")
                try manager.createSymbolicLink(atPath: link.path, withDestinationPath: version)
                // rename(2) replaces the old link atomically, as the kubelet does.
                guard rename(link.path, mount.appendingPathComponent("..data").path) == 0 else {
                    throw HarnessFailure(description: "rename failed: \(errno)")
                }
            }
            try publishVersion("..v1", sensor: Self.single)
            try manager.removeItem(at: workspace.sensors)
            try manager.createSymbolicLink(
                atPath: workspace.sensors.path,
                withDestinationPath: mount.appendingPathComponent("..data/sensors.yaml").path)
            let gateway = try await Self.startGateway(workspace)
            try publishVersion("..v2", sensor: Self.pair)
            try await gateway.eventually("the swapped sensors to be loaded") {
                await gateway.get("/status")?.body.contains(#""name":"pair""#) == true
            }
            #expect(await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="success"}"#) >= 1)
            try await Self.stop(gateway)
        }
    }

    /// A routing matrix with one route sending every event to Argo's `template`.
    static func routingMatrix(template: String) -> String {
        """
        apiVersion: sensor-gateway/v1alpha1
        kind: RoutingMatrix
        metadata: {name: test}
        spec:
          routes:
            - name: everything
              match: {type: "*"}
              engine: argo
              argo: {workflowTemplate: \(template), namespace: argo}

        """
    }

    /// One dependency, `work`, and a `route` trigger.
    static let router = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: router}
        spec:
          dependencies:
            - {name: work, eventSourceName: src, eventName: work}
          triggers:
            - template: {name: route, route: {}}

        """

    /// The routing matrix reloads like the sensors: a changed file sends the next event to the new route's template;
    /// a broken one is rejected and the running matrix stays.
    @Test func routingMatrixReloads() async throws {
        func matrix(template: String) -> String { Self.routingMatrix(template: template) }
        try await Self.withServer(sensors: ["router.yaml": Self.router]) { server, workspace in
            let routing = workspace.directory.appendingPathComponent("routing.yaml")
            try matrix(template: "first").write(to: routing, atomically: true, encoding: .utf8)
            let gateway = try await Self.startGateway(workspace)
            func work(_ id: String) -> [String: Any] {
                PythonPublisher.event(subject: "events.src.work", id: id, source: "src", name: "work", data: [:])
            }
            func templates() -> [String] {
                workspace.outboxRecords().values.compactMap {
                    ($0["body"] as? [String: Any])?["resourceName"] as? String
                }
                .sorted()
            }
            try PythonPublisher.publish(server: server.url, [work("w1")])
            try await gateway.eventually("the first route") { templates() == ["first"] }

            try matrix(template: "second").write(to: routing, atomically: true, encoding: .utf8)
            try await gateway.eventually("the routing reload") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="success"}"#) >= 1
            }
            try PythonPublisher.publish(server: server.url, [work("w2")])
            try await gateway.eventually("the new route") { templates() == ["first", "second"] }

            try "spec: [unclosed\n".write(to: routing, atomically: true, encoding: .utf8)
            try await gateway.eventually("the broken matrix to be rejected") {
                await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="failure"}"#) >= 1
            }
            try PythonPublisher.publish(server: server.url, [work("w3")])
            try await gateway.eventually("the running matrix to route") {
                templates() == ["first", "second", "second"]
            }
            try await Self.stop(gateway)
        }
    }

    /// `run --dry-run` sends nothing, even with an Argo Server configured: the Argo submission and the `http`
    /// trigger's request are written to the outbox, and the server sees no request.
    @Test func dryRunSendsNothing() async throws {
        let standIn = try APIStandIn()
        defer { Task { await standIn.stop() } }
        let sensor =
            Self.single + """
                    - template:
                        name: hook
                        http:
                          url: \(standIn.base)/hook
                          payload: [{src: {dependencyName: one, dataKey: body.name}, dest: name}]

                """
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["single.yaml": sensor], environment: ["ARGO_SERVER": standIn.base])
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace, arguments: ["--dry-run"])
        try await gateway.waitUntilReady()
        try PythonPublisher.publish(server: server.url, [Self.oneEvent("dry-1", name: "dry")])
        try await gateway.eventually("two outbox records") { workspace.outboxRecords().count == 2 }
        let records = workspace.outboxRecords().values
        #expect(Set(records.compactMap { $0["engine"] as? String }) == ["argo", "http"])
        let hook = try #require(records.first { $0["engine"] as? String == "http" })
        #expect(hook["url"] as? String == standIn.base + "/hook")
        #expect((hook["body"] as? [String: Any])?["name"] as? String == "dry")
        #expect(try await standIn.log().isEmpty)
        try await Self.stop(gateway)
    }

    /// `/readyz` is 503 with a reason once nats-server has been down for the grace period (2 s here), and 200 once
    /// it is back, with the reconnection counted; events published after the return fire.
    @Test func readinessFollowsNATS() async throws {
        try await Self.withServer(sensors: ["single.yaml": Self.single]) { server, workspace in
            let gateway = try await Self.startGateway(workspace)
            server.kill()
            try await gateway.eventually("/readyz to fail") { await gateway.get("/readyz")?.status == 503 }
            let body = try #require(await gateway.get("/readyz")?.body)
            #expect(body.contains(#""ready":false"#))
            #expect(body.contains("NATS"))
            let lost = body.split(separator: "(for ").last.flatMap { Int($0.prefix { $0.isNumber }) }
            #expect((lost ?? 0) >= 2, "\(body)")
            #expect(await gateway.metric("sensor_gateway_nats_connected") == 0)
            #expect(await gateway.metric("sensor_gateway_nats_reconnects_total") == 0)
            let restarted = try server.restarted()
            defer { restarted.stop() }
            try await gateway.waitUntilReady(timeout: .seconds(60))
            try await gateway.eventually("the reconnection to be counted") {
                await gateway.metric("sensor_gateway_nats_reconnects_total") == 1
            }
            try PythonPublisher.publish(server: restarted.url, [Self.oneEvent("after-outage")])
            try await gateway.eventually("the event to fire after the outage", timeout: .seconds(60)) {
                workspace.outboxRecords().count == 1
            }
            try await Self.stop(gateway)
        }
    }

    /// A consumer whose triggers never return fetches no more; once that has lasted `consumerStallTimeout`,
    /// `/readyz` fails and `/status` says which consumer and why.
    @Test func readinessFailsForAStuckConsumer() async throws {
        let sink = try HTTPTestServer()
        let sensor = Self.slowSensor(trigger: "hang", url: sink.url("/slow/30000"), timeout: 60)
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["slow.yaml": sensor], drainTimeout: "1s",
            admin: "readiness: {consumerStallTimeout: 2s}")
        defer { workspace.remove() }
        let gateway = try await Self.startGateway(workspace)
        try PythonPublisher.publish(server: server.url, (1...9).map { Self.oneEvent("stuck-\($0)") })
        try await gateway.eventually("/readyz to fail") { await gateway.get("/readyz")?.status == 503 }
        let reason = try #require(await gateway.get("/readyz")?.body)
        #expect(reason.contains("consumers stuck: sg-events_src_one-"), "\(reason)")
        #expect(reason.contains("8 in flight"), "\(reason)")
        let status = try #require(await gateway.get("/status")?.body)
        #expect(status.contains(#""notReadyReason":"consumers stuck"#), "\(status)")
        gateway.send(SIGKILL)
    }

    /// With `admin.tokenFile`, `/status` and `/metrics` need its bearer token; the probes do not.
    @Test func adminTokenGuardsStatusAndMetrics() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("admin-\(UUID().uuidString)")
        try "s3cret-admin\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["single.yaml": Self.single], admin: "tokenFile: \(tokenFile.path)")
        defer { workspace.remove() }
        let gateway = try await Self.startGateway(workspace)
        #expect(await gateway.get("/healthz")?.status == 200)
        #expect(await gateway.get("/readyz")?.status == 200)
        for path in ["/status", "/metrics"] {
            #expect(await gateway.get(path)?.status == 401, "\(path)")
            #expect(await gateway.get(path, token: "wrong")?.status == 401, "\(path)")
            #expect(await gateway.get(path, token: "s3cret-admin")?.status == 200, "\(path)")
        }
        #expect(await gateway.get("/status")?.body.contains("s3cret") == false)
        try await Self.stop(gateway)
    }

    /// Each row of the shipped routing matrix end to end: the shipped `platform-router` sensor sends each sample
    /// event of `specs/events` through `config/routing.yaml` to the Argo/KFP stand-in, which validates every body
    /// against the upstream specs. The same events sent again (a source retrying after the stream's duplicate
    /// window) create no second workflow or run.
    @Test func everyRoutingRowEndToEnd() async throws {
        let standIn = try APIStandIn()
        let matrix = try SensorFiles.loadRouting(file: repository.appendingPathComponent("config/routing.yaml").path)
            .matrix
        var events: [(useCase: String, event: [String: Any])] = []
        var templates: [(namespace: String, kind: String, name: String)] = []
        var pipelines: [(name: String, versions: [String])] = []
        // The series of the router's trigger: labelled with the engine and route the matrix chose for each sample.
        var series: Set<String> = []
        for useCase in ShippedSamples.useCases {
            let data = try Data(contentsOf: repository.appendingPathComponent("specs/events/\(useCase).json"))
            let event = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            events.append((useCase, event))
            let decision = matrix.route(try CloudEventCodec.decode(payload: Array(data)))
            let target = try #require(decision.target)
            let route = try #require(decision.route)
            let engine = try #require(decision.engine).rawValue
            series.insert(
                #"sensor_gateway_triggers_total{sensor="platform-router",trigger="route-workload",engine="\#(engine)","#
                    + #"outcome="OUTCOME",route="\#(route)"}"#)
            switch target {
            case .argo(let submission), .hybrid(let submission, _):
                templates.append(
                    (submission.namespace ?? "argo", submission.templateKind.rawValue, submission.templateName))
            case .kubeflow(let run):
                pipelines.append((run.pipeline, run.version.map { [$0] } ?? []))
            }
        }
        try await standIn.seed(templates: templates, pipelines: pipelines)
        let router = try String(
            contentsOf: repository.appendingPathComponent("config/sensors/platform-router.yaml"), encoding: .utf8)
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["platform-router.yaml": router],
            routing: repository.appendingPathComponent("config/routing.yaml").path,
            environment: ["ARGO_SERVER": standIn.base, "KF_PIPELINES_ENDPOINT": standIn.base])
        defer { workspace.remove() }
        let gateway = try await Self.startGateway(workspace)
        let subject = "events.ml-platform.workload-requested"
        try PythonPublisher.publish(server: server.url, events.map { ["subject": subject, "event": $0.event] })
        #expect(Set(series.map { $0.split(separator: ",")[2] }).count == 3, "argo, kubeflow and hybrid rows")
        func count(_ outcome: String) async -> Double {
            var total = 0.0
            for name in series {
                total += await gateway.metric(name.replacingOccurrences(of: "OUTCOME", with: outcome))
            }
            return total
        }
        try await gateway.eventually("every sample to be routed") { await count("succeeded") == 6 }

        let creates = try await standIn.log().filter { $0.method == "POST" }
        let invalid = creates.filter { !$0.invalid.isEmpty }
        #expect(invalid.isEmpty, "bodies the upstream specs refuse: \(invalid)")
        let submitted = creates.compactMap { request -> String? in
            guard request.path.hasSuffix("/submit") else { return nil }
            return request.body?["resourceName"]?.stringValue
        }
        let runs = creates.compactMap { request -> String? in
            guard request.path == "/apis/v2beta1/runs" else { return nil }
            return request.body?["display_name"]?.stringValue
        }
        #expect(submitted.sorted() == templates.map(\.name).sorted())
        #expect(runs.count == pipelines.count)
        for pipeline in pipelines { #expect(runs.contains { $0.hasPrefix(pipeline.name + "-") }) }

        try PythonPublisher.publish(
            server: server.url, events.map { ["subject": subject, "event": $0.event, "msg_id": "again-\($0.useCase)"] })
        try await gateway.eventually("the repeated samples to be found done") {
            await count("already_done") + (await count("succeeded")) == 12
        }
        let after = try await standIn.log().filter { $0.method == "POST" }
        let accepted = after.filter { $0.status / 100 == 2 }
        #expect(
            accepted.count == creates.filter { $0.status / 100 == 2 }.count,
            "no second workflow or run was accepted")
        try await Self.stop(gateway)
    }

    /// A `nats` trigger publishes into JetStream over the gateway's connection, once per firing even when the event
    /// is sent again.
    @Test func natsTriggerPublishesIntoJetStream() async throws {
        let forward = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: forward}
            spec:
              dependencies:
                - {name: order, eventSourceName: shop, eventName: order}
              triggers:
                - template:
                    name: forward
                    nats:
                      url: nats://ignored:4222
                      subject: events.shop.forwarded
                      payload:
                        - src: {dependencyName: order, dataKey: body.sku}
                          dest: sku

            """
        try await Self.withServer(sensors: ["forward.yaml": forward]) { server, workspace in
            let gateway = try await Self.startGateway(workspace)
            let order = PythonPublisher.event(
                subject: "events.shop.order", id: "o1", source: "shop", name: "order", data: ["body": ["sku": "A-7"]])
            try PythonPublisher.publish(server: server.url, [order])
            var again = order
            again["msg_id"] = "o1-again"
            try PythonPublisher.publish(server: server.url, [again])
            try await gateway.eventually("both deliveries to fire") {
                await gateway.metric(
                    #"sensor_gateway_triggers_total{sensor="forward",trigger="forward",engine="nats",outcome="succeeded",route=""}"#
                ) == 2
            }
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            var spec = ConsumerSpec(stream: "EVENTS", durableName: "forwarded-reader")
            spec.filterSubject = "events.shop.forwarded"
            spec.ackPolicy = .explicit
            _ = try await connection.createOrUpdate(spec)
            let reader = try await connection.pullConsumer(stream: "EVENTS", durable: "forwarded-reader")
            let forwarded = try await reader.fetch(.init(batchSize: 10, maxWait: .seconds(2)))
            #expect(forwarded.count == 1, "the repeated firing was de-duplicated by its Nats-Msg-Id")
            #expect(forwarded.first.map { String(decoding: $0.data, as: UTF8.self) } == #"{"sku":"A-7"}"#)
            await connection.close()
            try await Self.stop(gateway)
        }
    }
}

/// The sample events of `specs/events`, one per row of the shipped routing matrix.
enum ShippedSamples {
    static let useCases = [
        "ml-training", "model-evaluation", "document-ingestion", "batch-inference", "complex-dag",
        "hybrid-ml-training",
    ]
}
