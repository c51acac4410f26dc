import EventModel
import Foundation
import Gateway
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// Reliability and scale-out of the built `sensor-gateway run`: kill -9 of the gateway, a nats-server
/// restart, faults at the sink (503 storm, 400, a hanging server) and several replicas sharing the consumers. The sink
/// is the Argo stand-in: workflows are named deterministically, so "nothing lost, nothing twice" is read off its log
/// (each name accepted exactly once with a 2xx). `SENSOR_GATEWAY_CHAOS=long` (`make chaos`) runs the long versions.
@Suite(
    "Chaos", .serialized, .timeLimit(.minutes(20)),
    .natsServer, .gatewayBinary)
struct ChaosTests {
    /// The end-to-end suite's `single` sensor: one dependency filtered on `body.accepted`, an Argo workflow whose
    /// parameter takes `body.name`.
    static let work = GatewayEndToEndTests.single
    static let sensor = "single"

    /// An `http` trigger (1 s timeout) to a path of the stand-in that the tests make hang.
    static func slow(_ base: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: slow}
        spec:
          dependencies:
            - {name: s, eventSourceName: src, eventName: slow}
          triggers:
            - template:
                name: call
                http:
                  url: \(base)/api/v1/workflows/slow
                  method: POST
                  timeout: 1
                  payload:
                    - src: {dependencyName: s, dataKey: body.name}
                      dest: name

        """
    }

    /// `a && b`: the `single` sensor with a second dependency and the condition, its parameter taken from `a`.
    static let pair = GatewayEndToEndTests.single
        .replacingOccurrences(of: "metadata: {name: single}", with: "metadata: {name: pair}")
        .replacingOccurrences(
            of: """
                    - name: one
                      eventSourceName: src
                      eventName: one
                      filters:
                        data:
                          - {path: body.accepted, type: bool, value: ["true"]}
                """,
            with: """
                    - {name: a, eventSourceName: src, eventName: a}
                    - {name: b, eventSourceName: src, eventName: b}
                """
        )
        .replacingOccurrences(of: "name: notify\n", with: "name: both\n        conditions: \"a && b\"\n")
        .replacingOccurrences(of: "dependencyName: one", with: "dependencyName: a")

    static let oneConsumer = SensorSet.durableName(subject: "events.src.one")

    /// `count` events on `events.src.one`; one in ``ChaosScale/triggerEvery`` passes the filter (name `n<i>`).
    static func events(_ label: String, count: Int, every: Int = ChaosScale.triggerEvery) -> [[String: Any]] {
        (0..<count).map { index in
            PythonPublisher.event(
                subject: "events.src.one", id: "\(label)-\(index)", source: "src", name: "one",
                data: ["body": ["accepted": index % every == 0, "name": "\(label)-n\(index)"]])
        }
    }

    static func expectedNames(_ label: String, count: Int, every: Int = ChaosScale.triggerEvery) -> Set<String> {
        Set(stride(from: 0, to: count, by: every).map { "\(label)-n\($0)" })
    }

    /// A nats-server, the stand-in and a workspace whose Argo server is the stand-in.
    static func withSink(
        sensors: (APIStandIn) -> [String: String],
        _ body: (NATSServerProcess, APIStandIn, GatewayWorkspace) async throws -> Void
    ) async throws {
        let standIn = try APIStandIn()
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: sensors(standIn), environment: ["ARGO_SERVER": standIn.base])
        defer { workspace.remove() }
        try await body(server, standIn, workspace)
    }

    static func start(_ workspace: GatewayWorkspace) async throws -> GatewayProcess {
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady(timeout: .seconds(60))
        return gateway
    }

    static func startAll(_ workspaces: [GatewayWorkspace]) async throws -> [GatewayProcess] {
        var replicas: [GatewayProcess] = []
        for workspace in workspaces { replicas.append(try await start(workspace)) }
        return replicas
    }

    static func kill9(_ gateway: GatewayProcess) async throws {
        gateway.send(SIGKILL)
        #expect(try await gateway.waitForExit() == SIGKILL)
    }

    /// Waits until the sink accepted every name of `expected` and the consumer of `consumer` has nothing pending or
    /// unacknowledged; then checks that nothing else and nothing twice was accepted, and (unless `confirmedRepeats`)
    /// that no create of an already created workflow reached the sink.
    ///
    /// - Parameter confirmedRepeats: a single nats-server killed with kill -9 forgets deliveries it had not yet
    ///   written, so their messages come back as first deliveries: their creates are sent again and confirmed by 409.
    static func expectDelivered(
        _ expected: Set<String>, standIn: APIStandIn, connection: NATSConnection, consumer: String = oneConsumer,
        namespace: String = "argo", confirmedRepeats: Bool = false, gateways: () -> [GatewayProcess]
    ) async throws -> APIStandIn.Creates {
        do {
            try await eventually("every trigger to be accepted by the sink", timeout: ChaosScale.runTimeout) {
                guard let creates = try? await standIn.creates(namespace: namespace),
                    Set(creates.parameters).isSuperset(of: expected)
                else { return false }
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: consumer)
                return info?.pending == 0 && info?.ackPending == 0
            }
        } catch {
            let seen = try await standIn.creates(namespace: namespace)
            let logs = gateways().map { String($0.logText.suffix(4000)) }.joined(separator: "\n---\n")
            throw HarnessFailure(
                description:
                    "\(error); accepted \(Set(seen.parameters).intersection(expected).count)/\(expected.count),"
                    + " statuses \(seen.statuses)\n\(logs)")
        }
        let creates = try await standIn.creates(namespace: namespace)
        #expect(Set(creates.parameters) == expected, "exactly the expected workflows")
        #expect(creates.accepted.count == expected.count, "one distinct workflow name per trigger")
        #expect(creates.duplicates.isEmpty, "names accepted more than once: \(creates.duplicates)")
        if !confirmedRepeats {
            #expect(creates.conflicts.isEmpty, "creates sent again for workflows already created: \(creates.conflicts)")
        }
        return creates
    }

    // MARK: 1. Crash and restart

    /// kill -9 at random moments while events are published and processed, restart, several rounds: the sink sees
    /// exactly the expected workflows, each accepted once.
    @Test func killNineDuringRunLosesAndDuplicatesNothing() async throws {
        try await Self.withSink(sensors: { _ in ["single.yaml": Self.work] }) { server, standIn, workspace in
            var gateway = try await Self.start(workspace)
            var all = [gateway]
            let total = ChaosScale.events
            let publisher = try PythonPublisher.start(server: server.url, Self.events("crash", count: total))
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            var killedAt: [Int] = []
            for _ in 0..<ChaosScale.crashRounds {
                // A random moment once the gateway works: between 0.2 and 2 s after its first accepted trigger.
                let before = try await standIn.creates().accepted.count
                try await gateway.eventually("the gateway to make progress", timeout: .seconds(120)) {
                    (try? await standIn.creates().accepted.count).map { $0 > before || $0 >= ChaosScale.triggers }
                        ?? false
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 200...2000)))
                killedAt.append(try await standIn.creates().accepted.count)
                try await Self.kill9(gateway)
                gateway = try await Self.start(workspace)
                all.append(gateway)
            }
            #expect(try publisher.finish().count == total)
            let creates = try await Self.expectDelivered(
                Self.expectedNames("crash", count: total), standIn: standIn, connection: connection
            ) { all }
            ChaosScale.report(
                "crash: \(total) events, \(ChaosScale.triggers) triggers, \(ChaosScale.crashRounds) kill -9 rounds"
                    + " (accepted at the kills: \(killedAt)); sink: \(creates.accepted.count) distinct names,"
                    + " \(creates.duplicates.count) duplicates, statuses \(creates.statuses)")
            await connection.close()
            gateway.send(SIGTERM)
            _ = try await gateway.waitForExit()
        }
    }

    // MARK: 2. nats-server restart

    /// nats-server killed and restarted on its file store mid-run: everything published fires once. Deliveries the
    /// server had not yet written come back as first deliveries, so their creates reach the sink again (409, found
    /// done); a cluster keeps them (``NATSClusterTests``).
    @Test func natsRestartMidRunLosesNothing() async throws {
        try await Self.withSink(sensors: { _ in ["single.yaml": Self.work] }) { server, standIn, workspace in
            let gateway = try await Self.start(workspace)
            let half = ChaosScale.events / 2
            // Paused while the first half is published, so a backlog is in flight when nats-server goes down.
            gateway.send(SIGSTOP)
            try PythonPublisher.publish(server: server.url, Self.events("before", count: half))
            gateway.send(SIGCONT)
            try await gateway.eventually("some triggers before the restart", timeout: .seconds(120)) {
                (try? await standIn.creates().accepted.count).map { $0 >= 5 } ?? false
            }
            let acceptedAtRestart = try await standIn.creates().accepted.count
            let restarted = try server.restarted()
            defer { restarted.stop() }
            try await gateway.waitUntilReady(timeout: .seconds(60))
            try PythonPublisher.publish(server: restarted.url, Self.events("after", count: half))
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [restarted.url]))
            let expected = Self.expectedNames("before", count: half).union(Self.expectedNames("after", count: half))
            let creates = try await Self.expectDelivered(
                expected, standIn: standIn, connection: connection, confirmedRepeats: true
            ) { [gateway] }
            ChaosScale.report(
                "nats restart: \(2 * half) events, \(expected.count) triggers, restart after \(acceptedAtRestart)"
                    + " of the first \(half / ChaosScale.triggerEvery) accepted; sink: \(creates.accepted.count) distinct, \(creates.duplicates.count) duplicates,"
                    + " \(creates.conflicts.count) creates sent again after the server forgot their delivery (409, confirmed)"
            )
            await connection.close()
            gateway.send(SIGTERM)
            #expect(try await gateway.waitForExit() == 0)
        }
    }

    // MARK: 3. Faults at the sink

    /// The sink answers 503 for a while: nothing is acknowledged meanwhile (the ack floor stays at 0, every event is
    /// pending or unacknowledged, none dead-lettered); once it recovers everything is delivered and acknowledged.
    @Test func serviceUnavailableStormThenRecovery() async throws {
        try await Self.withSink(sensors: { _ in ["single.yaml": Self.work] }) { server, standIn, workspace in
            // Five deliveries (max_deliver) must outlast the storm: the nak delay doubles on each delivery, so the
            // four delays add up to 15 × retryDelay, three times the storm, and a late recovery on a loaded machine
            // still leaves deliveries.
            let delay = max(1, ChaosScale.stormSeconds / 5)
            try workspace.editConfiguration(replacing: "retryDelay: 1s", with: "retryDelay: \(delay)s")
            let gateway = try await Self.start(workspace)
            try await standIn.control([
                "faults": [["prefix": "/api/v1/workflows", "method": "POST", "status": 503, "count": 1_000_000]]
            ])
            let count = 20
            try PythonPublisher.publish(server: server.url, Self.events("storm", count: count, every: 1))
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            let stormEnds = ContinuousClock.now + .seconds(ChaosScale.stormSeconds)
            try await eventually("every event to meet a 503") {
                ((try? await standIn.creates().statuses[503]) ?? 0) >= count
            }
            var samples = 0
            while ContinuousClock.now < stormEnds {
                let info = try await connection.consumerInfo(stream: "EVENTS", consumer: Self.oneConsumer)
                #expect(info.ackFloorStreamSequence == 0, "nothing acknowledged during the storm")
                #expect(
                    info.pending + UInt64(max(0, info.ackPending)) == UInt64(count), "every event still outstanding")
                samples += 1
                try await Task.sleep(for: .milliseconds(500))
            }
            let during = try await standIn.creates()
            #expect(during.accepted.isEmpty)
            #expect(await gateway.metricSum("sensor_gateway_dlq_total") == 0, "nothing dead-lettered by the storm")
            try await standIn.reset()
            let creates = try await Self.expectDelivered(
                Self.expectedNames("storm", count: count, every: 1), standIn: standIn, connection: connection
            ) { [gateway] }
            let info = try await connection.consumerInfo(stream: "EVENTS", consumer: Self.oneConsumer)
            #expect(info.ackFloorStreamSequence == UInt64(count), "everything acknowledged after the recovery")
            #expect(await gateway.metricSum("sensor_gateway_dlq_total") == 0)
            ChaosScale.report(
                "503 storm: \(ChaosScale.stormSeconds) s, \(count) events, \(during.statuses[503] ?? 0) answers 503,"
                    + " \(samples) consumer samples with ack floor 0; after recovery \(creates.accepted.count) accepted,"
                    + " 0 dead-lettered (processing.retryDelay \(delay)s)")
            await connection.close()
            gateway.send(SIGTERM)
            #expect(try await gateway.waitForExit() == 0)
        }
    }

    /// The sink answers 400: the event is in the DLQ with the reason, and the next event goes through.
    @Test func badRequestIsDeadLetteredWithReason() async throws {
        try await Self.withSink(sensors: { _ in ["single.yaml": Self.work] }) { server, standIn, workspace in
            let gateway = try await Self.start(workspace)
            try await standIn.control([
                "faults": [
                    [
                        "prefix": "/api/v1/workflows", "method": "POST", "status": 400, "count": 1,
                        "message": "spec.bogus: unknown field",
                    ]
                ]
            ])
            try PythonPublisher.publish(server: server.url, Self.events("bad", count: 1, every: 1))
            try await gateway.eventually("the dead letter") {
                await gateway.metric(#"sensor_gateway_dlq_total{sensor="single",reason="permanent"}"#) == 1
            }
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            let letters = try await connection.readStream("DLQ", expecting: 2)
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(letter.subject == "dlq.sensor-gateway")
            let reason = try #require(letter.header("Sensor-Gateway-Reason"))
            #expect(reason.hasPrefix("permanent"), "\(reason)")
            #expect(reason.contains("400"), "\(reason)")
            #expect(reason.contains("spec.bogus: unknown field"), "\(reason)")
            #expect(letter.header("Sensor-Gateway-Sensor") == "single")
            #expect(letter.header("Sensor-Gateway-Trigger") == "notify")
            try PythonPublisher.publish(server: server.url, Self.events("good", count: 1, every: 1))
            _ = try await Self.expectDelivered(
                Self.expectedNames("good", count: 1, every: 1), standIn: standIn, connection: connection
            ) { [gateway] }
            await connection.close()
            gateway.send(SIGTERM)
            #expect(try await gateway.waitForExit() == 0)
        }
    }

    /// One sensor's server hangs: its requests time out (retryable, nak'ed) while another sensor keeps flowing.
    @Test func hangingSinkTimesOutAndOtherSensorsFlow() async throws {
        try await Self.withSink(sensors: { ["single.yaml": Self.work, "slow.yaml": Self.slow($0.base)] }) {
            server, standIn, workspace in
            let gateway = try await Self.start(workspace)
            try await standIn.control(["delay": ["prefix": "/api/v1/workflows/slow", "seconds": 600]])
            try PythonPublisher.publish(
                server: server.url,
                (0..<3).map {
                    PythonPublisher.event(
                        subject: "events.src.slow", id: "slow-\($0)", source: "src", name: "slow",
                        data: ["body": ["name": "s\($0)"]])
                })
            let count = 50
            try PythonPublisher.publish(server: server.url, Self.events("flow", count: count, every: 1))
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            _ = try await Self.expectDelivered(
                Self.expectedNames("flow", count: count, every: 1), standIn: standIn, connection: connection
            ) { [gateway] }
            try await gateway.eventually("the hanging requests to time out") {
                await gateway.metricSum(
                    #"sensor_gateway_triggers_total{sensor="slow",trigger="call",engine="http",outcome="retryable",route=""}"#
                ) >= 3
            }
            let failures = gateway.logText.split(separator: "\n").filter {
                $0.contains(#""message":"trigger failed, will retry""#) && $0.contains(#""sensor":"slow""#)
            }
            #expect(!failures.isEmpty)
            #expect(
                failures.allSatisfy { $0.lowercased().contains("timed out") || $0.lowercased().contains("timeout") },
                "\(failures.prefix(2))")
            let slowInfo = try await connection.consumerInfo(
                stream: "EVENTS", consumer: SensorSet.durableName(subject: "events.src.slow"))
            #expect(slowInfo.ackFloorStreamSequence == 0, "a timed-out trigger is not acknowledged")
            ChaosScale.report(
                "hang: \(count) events of another sensor delivered while 3 http triggers hung; \(failures.count) timeouts logged"
            )
            await connection.close()
            gateway.send(SIGTERM)
            _ = try await gateway.waitForExit()
        }
    }

    // MARK: 4. Scale-out

    /// Three replicas share the consumers: `a && b` fires once per round even when a and b are consumed by different
    /// replicas (compare-and-set on the KV state).
    @Test func pairAcrossReplicasFiresOnce() async throws {
        try await Self.withSink(sensors: { _ in ["pair.yaml": Self.pair] }) { server, standIn, workspace in
            let workspaces = [
                workspace, try workspace.replica(sensors: ["pair.yaml": Self.pair]),
                try workspace.replica(sensors: ["pair.yaml": Self.pair]),
            ]
            defer { for other in workspaces.dropFirst() { other.remove() } }
            func pairEvent(_ dependency: String, _ id: String, name: String) -> [String: Any] {
                PythonPublisher.event(
                    subject: "events.src.\(dependency)", id: id, source: "src", name: dependency,
                    data: ["body": ["name": name]])
            }
            let receivedA = #"sensor_gateway_events_received_total{sensor="pair",dependency="a"}"#
            let receivedB = #"sensor_gateway_events_received_total{sensor="pair",dependency="b"}"#
            // Deterministically on two replicas: a is held by the first alone, which then stops; b goes to another.
            let first = try await Self.start(workspaces[0])
            try PythonPublisher.publish(server: server.url, [pairEvent("a", "a-held", name: "p-held")])
            try await first.eventually("a to be held by the first replica") {
                await first.metric(#"sensor_gateway_correlations_pending{sensor="pair"}"#) == 1
            }
            let others = try await Self.startAll(Array(workspaces.dropFirst()))
            first.send(SIGTERM)
            #expect(try await first.waitForExit() == 0)
            try PythonPublisher.publish(server: server.url, [pairEvent("b", "b-held", name: "ignored")])
            try await eventually("the pair held across replicas to fire", timeout: .seconds(60)) {
                (try? await standIn.creates().parameters) == ["p-held"]
            }
            var bOnOthers = 0.0
            for other in others { bOnOthers += await other.metric(receivedB) }
            #expect(bOnOthers == 1, "b was consumed by another replica than a")
            let replicas = [try await Self.start(workspaces[0])] + others
            func received(_ series: String) async -> [Double] {
                var counts: [Double] = []
                for replica in replicas { counts.append(await replica.metric(series)) }
                return counts
            }
            let rounds = ChaosScale.pairRounds
            var split = 0
            for round in 0..<rounds {
                let a = await received(receivedA)
                let b = await received(receivedB)
                try PythonPublisher.publish(
                    server: server.url,
                    [pairEvent("a", "a\(round)", name: "p\(round)"), pairEvent("b", "b\(round)", name: "-")])
                try await eventually("round \(round) to fire", timeout: .seconds(60)) {
                    (try? await standIn.creates().parameters.count) == round + 2
                }
                let aNow = await received(receivedA)
                let bNow = await received(receivedB)
                let aBy = aNow.indices.first { aNow[$0] != a[$0] }
                let bBy = bNow.indices.first { bNow[$0] != b[$0] }
                if let aBy, let bBy, aBy != bBy { split += 1 }
            }
            // Late duplicates would show up here.
            try await Task.sleep(for: .seconds(2))
            let creates = try await standIn.creates()
            #expect(Set(creates.parameters) == Set((0..<rounds).map { "p\($0)" } + ["p-held"]))
            #expect(creates.parameters.count == rounds + 1, "each round fired once")
            #expect(creates.duplicates.isEmpty)
            // Which replica's fetch gets a message is the server's choice: a figure, not an assertion.
            ChaosScale.report(
                "pair: a held by one replica and b consumed by another fired once; then \(rounds) concurrent rounds on"
                    + " 3 replicas, \(split) with a and b on different replicas, \(creates.parameters.count) firings in all"
            )
            for replica in replicas { replica.send(SIGTERM) }
            for replica in replicas { #expect(try await replica.waitForExit() == 0) }
        }
    }

    /// Three replicas; one is killed with SIGKILL mid-run: nothing is lost or accepted twice.
    @Test func replicaKilledMidRunLosesNothing() async throws {
        try await Self.withSink(sensors: { _ in ["single.yaml": Self.work] }) { server, standIn, workspace in
            let workspaces = [
                workspace, try workspace.replica(sensors: ["single.yaml": Self.work]),
                try workspace.replica(sensors: ["single.yaml": Self.work]),
            ]
            defer { for other in workspaces.dropFirst() { other.remove() } }
            let replicas = try await Self.startAll(workspaces)
            let total = ChaosScale.events
            let publisher = try PythonPublisher.start(server: server.url, Self.events("replicas", count: total))
            try await eventually("progress on the replicas", timeout: .seconds(120)) {
                (try? await standIn.creates().accepted.count).map { $0 >= ChaosScale.triggers / 10 } ?? false
            }
            let victim = replicas[1]
            let victimFired = await victim.metricSum("sensor_gateway_triggers_total")
            try await Self.kill9(victim)
            #expect(try publisher.finish().count == total)
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            let creates = try await Self.expectDelivered(
                Self.expectedNames("replicas", count: total), standIn: standIn, connection: connection
            ) { replicas }
            ChaosScale.report(
                "replica kill: \(total) events, \(ChaosScale.triggers) triggers on 3 replicas, one SIGKILLed after"
                    + " \(Int(victimFired)) of its firings; sink: \(creates.accepted.count) distinct, \(creates.duplicates.count) duplicates"
            )
            await connection.close()
            for replica in [replicas[0], replicas[2]] { replica.send(SIGTERM) }
            for replica in [replicas[0], replicas[2]] {
                let status = try await replica.waitForExit()
                #expect(status == 0, "exit status \(status) after SIGTERM; log:\n\(replica.logText.suffix(4000))")
            }
        }
    }

    /// Kubeflow runs have no idempotency key, so firings are claimed in KV. Two replicas with a 1 s ack wait (the
    /// shipped consumer's first redelivery before it was the execution timeout), a KFP trigger per event and a runs
    /// API answering after a second; one replica is paused (SIGSTOP) for 3 s mid-run, so its messages are redelivered
    /// to the other one while it holds their claims, then resumed: every run is created once.
    @Test func pausedReplicaCreatesNoRunTwice() async throws {
        let standIn = try APIStandIn()
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let sensor = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: training}
            spec:
              dependencies: [{name: ready, eventSourceName: src, eventName: train}]
              triggers:
                - template:
                    name: train
                    kubeflowPipeline: {pipelineName: hello, pipelineVersionName: v2, experimentName: chaos}

            """
        let workspaces = try (0..<2).map { _ in
            try GatewayWorkspace(
                natsURL: server.url, sensors: ["training.yaml": sensor],
                environment: ["KF_PIPELINES_ENDPOINT": standIn.base], ackWait: "1s", executionTimeout: "30s")
        }
        defer { for workspace in workspaces { workspace.remove() } }
        let replicas = try await Self.startAll(workspaces)
        try await standIn.delay("/apis/v2beta1/runs", seconds: 1)
        let count = 24
        try PythonPublisher.publish(
            server: server.url,
            (0..<count).map {
                PythonPublisher.event(
                    subject: "events.src.train", id: "kfp-\($0)", source: "src", name: "train", data: ["n": $0])
            })
        try await eventually("a first run", timeout: .seconds(60)) { (try? await standIn.runCreates().count) ?? 0 >= 1 }
        replicas[0].send(SIGSTOP)
        try await Task.sleep(for: .seconds(3))
        replicas[0].send(SIGCONT)
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let consumer = SensorSet.durableName(subject: "events.src.train")
        do {
            try await eventually("every run, and nothing pending", timeout: .seconds(120)) {
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: consumer)
                return (try? await standIn.runCreates().count) == count && info?.pending == 0 && info?.ackPending == 0
            }
        } catch {
            let logs = replicas.map { String($0.logText.suffix(4000)) }.joined(separator: "\n---\n")
            throw HarnessFailure(description: "\(error); runs \(try await standIn.runCreates())\n\(logs)")
        }
        let created = try await standIn.runCreates()
        #expect(created.count == count)
        #expect(
            created.values.allSatisfy { $0 == 1 }, "runs created more than once: \(created.filter { $0.value > 1 })")
        let waited = await replicas[1].metricSum("sensor_gateway_triggers_total")
        ChaosScale.report(
            "paused replica, KFP: \(count) firings on 2 replicas (ack wait 1 s, one SIGSTOPped 3 s); \(created.count)"
                + " runs, none twice; \(Int(waited)) firings executed or found done by the other replica")
        await connection.close()
        for replica in replicas { replica.send(SIGTERM) }
        for replica in replicas { _ = try await replica.waitForExit() }
        await standIn.stop()
    }

    /// Throughput with 1, 2 and 3 replicas (outbox triggers, so the sink is not the bottleneck): the events are
    /// published first, then the replicas drain them; the rate is events over the span of the outbox writes. A figure,
    /// not a timed assertion; the test checks that every event fired once.
    @Test func throughputByReplicaCount() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let first = try GatewayWorkspace(natsURL: server.url, sensors: ["single.yaml": Self.work])
        let workspaces = [
            first, try first.replica(sensors: ["single.yaml": Self.work]),
            try first.replica(sensors: ["single.yaml": Self.work]),
        ]
        defer { for workspace in workspaces { workspace.remove() } }
        // The first start creates the durable consumer (deliver_policy new), so later events wait for the replicas.
        let creator = try await Self.start(first)
        creator.send(SIGTERM)
        #expect(try await creator.waitForExit() == 0)
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let count = ChaosScale.throughputEvents
        var figures: [String] = []
        var done = 0
        for replicaCount in 1...3 {
            try PythonPublisher.publish(server: server.url, Self.events("tp\(replicaCount)", count: count, every: 1))
            done += count
            var replicas: [GatewayProcess] = []
            for workspace in workspaces.prefix(replicaCount) { replicas.append(try GatewayProcess(workspace)) }
            let target = done
            try await eventually("\(replicaCount) replicas to drain \(count) events", timeout: ChaosScale.runTimeout) {
                let records = workspaces.reduce(0) { $0 + $1.outboxRecords().count }
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: Self.oneConsumer)
                return records >= target && info?.pending == 0 && info?.ackPending == 0
            }
            #expect(workspaces.reduce(0) { $0 + $1.outboxRecords().count } == target, "each event fired once")
            let times = workspaces.flatMap { workspace in
                workspace.outboxTimes()
            }.sorted()
            // The span of this round's writes: the newest `count` files.
            let round = times.suffix(count)
            if let start = round.first, let end = round.last, end > start {
                let rate = Double(count) / end.timeIntervalSince(start)
                figures.append("\(replicaCount) replica(s): \(Int(rate)) events/s")
            }
            for replica in replicas { replica.send(SIGTERM) }
            for replica in replicas { #expect(try await replica.waitForExit() == 0) }
        }
        ChaosScale.report(
            "throughput (\(count) events each, outbox triggers, debug=\(GatewayProcess.executable.path.contains("debug"))): "
                + figures.joined(separator: ", "))
        await connection.close()
    }
}
