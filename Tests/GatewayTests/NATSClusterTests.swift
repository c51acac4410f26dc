import Foundation
import Gateway
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// The built `sensor-gateway` on a three-node JetStream cluster: the replicas provisioning gives, the stream leader
/// killed with kill -9 mid-run, and a rolling restart of every node. The triggers write to the workspace's outbox,
/// whose files are created exclusively (a repeat finds its file and counts as already done), so "nothing lost,
/// nothing twice" is read off the outbox and the log: every expected firing has its file, and no firing id is logged
/// as executed with outcome `succeeded` twice. `SENSOR_GATEWAY_CHAOS=long` (`make chaos`) runs the long versions.
@Suite("NATS cluster", .serialized, .timeLimit(.minutes(20)), .natsServer, .gatewayBinary)
struct NATSClusterTests {
    static let sensor = GatewayEndToEndTests.single
    static let consumer = SensorSet.durableName(subject: "events.src.one")
    static let bucketStream = "KV_sensor-gateway-correlations"

    // MARK: Replicas

    /// `provision` on the cluster raises an existing one-replica EVENTS stream to three in place (its messages kept)
    /// and creates DLQ and the buckets with three; provisioning again changes nothing.
    @Test func provisionGivesThreeReplicasOnACluster() async throws {
        let cluster = try await NATSCluster.start()
        defer { cluster.stop() }
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: cluster.urls))
        var single = StreamSpec(name: "EVENTS", subjects: ["events.>"])
        single.replicas = 1
        try await connection.createOrUpdate(single)
        for index in 0..<5 {
            _ = try await connection.publish(OutgoingMessage(subject: "events.src.one", data: [UInt8(index)]))
        }
        let workspace = try GatewayWorkspace(
            natsURL: cluster.urls.joined(separator: ", "), sensors: ["single.yaml": Self.sensor])
        defer { workspace.remove() }

        let (status, output) = try Self.provision(workspace)
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.contains("stream EVENTS: updated, replicas 1 -> 3"), "\(output)")
        #expect(lines.contains("stream DLQ: created, 3 replicas"), "\(output)")
        #expect(lines.contains("kv bucket sensor-gateway-correlations: created, 3 replicas"), "\(output)")
        #expect(lines.contains("kv bucket sensor-gateway-firings: created, 3 replicas"), "\(output)")
        for name in ["EVENTS", "DLQ", Self.bucketStream, "KV_sensor-gateway-firings"] {
            #expect(try await connection.streamInfo(name).replicas == 3, "\(name)")
            try await eventually("\(name) to have a leader and two current followers") {
                guard let info = try? await connection.streamInfo(name) else { return false }
                return info.leader != nil && info.followers.count == 2 && info.followers.allSatisfy(\.isCurrent)
            }
        }
        #expect(try await connection.streamInfo("EVENTS").messages == 5, "raised in place, nothing lost")

        let (again, againOutput) = try Self.provision(workspace)
        #expect(again == 0, "\(againOutput)")
        #expect(againOutput.contains("stream EVENTS: updated, 3 replicas"), "\(againOutput)")
        #expect(againOutput.contains("kv bucket sensor-gateway-correlations: updated, 3 replicas"), "\(againOutput)")
        await connection.close()
    }

    /// `sensor-gateway provision` on the workspace: its exit status, and what it printed on both outputs.
    static func provision(_ workspace: GatewayWorkspace) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = GatewayProcess.executable
        process.arguments = ["provision", "--config", workspace.configPath]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    // MARK: Node failures

    /// The gateway knows all three servers; the EVENTS leader is killed with kill -9 while events are published and
    /// processed, and restarted once the gateway made progress without it (long run: three kills). Every firing
    /// happens once.
    @Test func streamLeaderKilledMidRunLosesAndDuplicatesNothing() async throws {
        let cluster = try await NATSCluster.start()
        defer { cluster.stop() }
        try await Self.run(cluster, gatewayURLs: cluster.urls, label: "leader") { connection, workspace, progress in
            var pauses: [String] = []
            for round in 0..<ChaosScale.clusterRounds {
                try await progress(20)
                let leader = try #require(try await connection.streamInfo("EVENTS").leader)
                let node = try #require(cluster.index(ofServer: leader))
                let killed = Date()
                cluster.kill(node)
                try await progress(20)
                let pause = Self.longestPause(workspace.outboxTimes().filter { $0 > killed.addingTimeInterval(-2) })
                pauses.append("kill \(round + 1) (leader \(leader)): longest pause in firings \(pause)")
                try await cluster.restart(node)
                let newLeader = try await connection.streamInfo("EVENTS").leader ?? "-"
                pauses.append("\(leader) back, leader now \(newLeader)")
            }
            return pauses.joined(separator: "; ")
        }
    }

    /// A gateway that starts just after the EVENTS leader died waits for the election (its JetStream requests time
    /// out meanwhile) instead of exiting, then fires what is published.
    @Test func startWhileTheStreamLeaderIsDeadWaitsForTheElection() async throws {
        let cluster = try await NATSCluster.start()
        defer { cluster.stop() }
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: cluster.urls))
        try await connection.provision(
            JetStreamSpecs.load(directory: repository.appendingPathComponent("specs/jetstream")))
        let leader = try #require(try await connection.streamInfo("EVENTS").leader)
        let workspace = try GatewayWorkspace(
            natsURL: cluster.urls.joined(separator: ", "), sensors: ["single.yaml": Self.sensor])
        defer { workspace.remove() }
        cluster.kill(try #require(cluster.index(ofServer: leader)))
        let gateway = try GatewayProcess(workspace)
        try await gateway.eventually("the gateway to be ready", timeout: .seconds(60)) {
            await gateway.get("/readyz")?.status == 200
        }
        try PythonPublisher.publish(
            server: cluster.urls.joined(separator: ","), ChaosTests.events("late", count: 10, every: 1))
        try await gateway.eventually("the ten firings") { workspace.outboxRecords().count == 10 }
        await connection.close()
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }

    /// The gateway is given one seed server and learns the others from the cluster; every node in turn is stopped
    /// (SIGTERM), the gateway makes progress without it (without its only configured server, for the seed), and it
    /// starts again; the next once the cluster is whole (long run: three rounds). Every firing happens once.
    @Test func rollingRestartWithOneSeedURLLosesAndDuplicatesNothing() async throws {
        let cluster = try await NATSCluster.start()
        defer { cluster.stop() }
        let log = try await Self.run(cluster, gatewayURLs: [cluster.urls[0]], label: "rolling") {
            _, workspace, progress in
            var steps: [String] = []
            for (round, node) in (0..<ChaosScale.clusterRounds).flatMap({ round in (0..<3).map { (round, $0) } }) {
                try await progress(10)
                let stopped = Date()
                cluster.terminate(node)
                try await progress(10)
                let pause = Self.longestPause(workspace.outboxTimes().filter { $0 > stopped.addingTimeInterval(-2) })
                try await cluster.restart(node)
                steps.append(
                    "round \(round + 1) \(cluster.serverNames[node]) down \(Self.seconds(since: stopped)), longest pause in firings \(pause)"
                )
            }
            return steps.joined(separator: "; ")
        }
        #expect(log.contains("NATS connection lost; reconnecting"), "the seed's restart moved the gateway")
        #expect(log.contains("NATS connection re-established"))
    }

    // MARK: Replicas under failure

    /// The `single` sensor with a Kubeflow run beside its workflow: each firing creates one of each.
    static let workflowAndRun =
        GatewayEndToEndTests.single.replacingOccurrences(of: "metadata: {name: single}", with: "metadata: {name: both}")
            + """
                - template:
                    name: train
                    kubeflowPipeline: {pipelineName: hello, pipelineVersionName: v2, experimentName: chaos}

            """

    /// Three replicas on the cluster, each firing creating a workflow (Argo Server) and a Kubeflow run; during the
    /// run one replica is paused (SIGSTOP) longer than the 1 s ack wait the shipped consumer once had, another is
    /// killed with kill -9 and restarted, and the EVENTS leader is killed with kill -9 and restarted (long run: three
    /// rounds of the three). The stand-in counts every create request it receives: each workflow and run is created
    /// once, and no create of a firing reached it a second time (no 409, no second run).
    @Test func replicasPausedKilledAndLeaderLostCreateEachOnce() async throws {
        let cluster = try await NATSCluster.start()
        defer { cluster.stop() }
        let standIn = try APIStandIn()
        let workspaces = try (0..<3).map { _ in
            try GatewayWorkspace(
                natsURL: cluster.urls.joined(separator: ", "), sensors: ["both.yaml": Self.workflowAndRun],
                environment: ["ARGO_SERVER": standIn.base, "KF_PIPELINES_ENDPOINT": standIn.base], ackWait: "10s",
                executionTimeout: "8s")
        }
        defer { for workspace in workspaces { workspace.remove() } }
        var replicas = try await ChaosTests.startAll(workspaces)
        var all = replicas
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: cluster.urls))
        let total = ChaosScale.clusterEvents
        let expected = ChaosTests.expectedNames("replicas", count: total)
        let publisher = try PythonPublisher.start(
            server: cluster.urls.joined(separator: ","), ChaosTests.events("replicas", count: total),
            pause: ChaosScale.clusterPublishPause)
        let started = Date()
        func progress(_ more: Int) async throws {
            let target = min(try await standIn.creates().accepted.count + more, expected.count)
            try await eventually("\(more) more workflows", timeout: .seconds(120)) {
                (try? await standIn.creates().accepted.count).map { $0 >= target } ?? false
            }
        }
        var steps: [String] = []
        for round in 0..<ChaosScale.clusterRounds {
            let paused = replicas[round % 3]
            try await progress(10)
            paused.send(SIGSTOP)
            try await Task.sleep(for: .seconds(3))
            paused.send(SIGCONT)
            let victim = (round + 1) % 3
            try await progress(10)
            try await ChaosTests.kill9(replicas[victim])
            replicas[victim] = try await ChaosTests.start(workspaces[victim])
            all.append(replicas[victim])
            try await progress(10)
            let leader = try #require(try await connection.streamInfo("EVENTS").leader)
            let node = try #require(cluster.index(ofServer: leader))
            cluster.kill(node)
            try await progress(10)
            try await cluster.restart(node)
            steps.append(
                "round \(round + 1): replica \(round % 3) paused 3 s, replica \(victim) and leader \(leader) killed")
        }
        #expect(try publisher.finish().count == total)
        let creates = try await ChaosTests.expectDelivered(
            expected, standIn: standIn, connection: connection, consumer: Self.consumer
        ) { all }
        let runs = try await standIn.runCreates()
        #expect(runs.count == expected.count, "one run per firing")
        #expect(runs.values.allSatisfy { $0 == 1 }, "runs created more than once: \(runs.filter { $0.value > 1 })")
        ChaosScale.report(
            "3 replicas on the NATS cluster: \(total) events over \(Self.seconds(since: started)),"
                + " \(expected.count) firings (a workflow and a run each); \(steps.joined(separator: "; "));"
                + " workflows \(creates.accepted.count), runs \(runs.count), second creates 0, statuses \(creates.statuses)"
        )
        await connection.close()
        for replica in replicas { replica.send(SIGTERM) }
        for replica in replicas { _ = try await replica.waitForExit() }
        await standIn.stop()
    }

    // MARK: Support

    /// Runs the gateway on `cluster` (connected to `gatewayURLs`), publishes ``ChaosScale/clusterEvents`` events
    /// to every server through the run of `disrupt`, then checks that every expected firing is in the outbox, no
    /// firing id succeeded twice, and the consumer has nothing pending.
    ///
    /// `disrupt` gets a connection to the cluster, the workspace and `progress(n)`, which waits for `n` more
    /// firings; it returns what it did, for the figure.
    /// - Returns: the gateway's log.
    @discardableResult
    static func run(
        _ cluster: NATSCluster, gatewayURLs: [String], label: String,
        disrupt: (NATSConnection, GatewayWorkspace, (Int) async throws -> Void) async throws -> String
    ) async throws -> String {
        let workspace = try GatewayWorkspace(
            natsURL: gatewayURLs.joined(separator: ", "), sensors: ["single.yaml": Self.sensor])
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady(timeout: .seconds(60))
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: cluster.urls))
        #expect(try await connection.streamInfo("EVENTS").replicas == 3, "run provisioned three replicas")
        let total = ChaosScale.clusterEvents
        let expected = ChaosTests.expectedNames(label, count: total)
        let publisher = try PythonPublisher.start(
            server: cluster.urls.joined(separator: ","), ChaosTests.events(label, count: total),
            pause: ChaosScale.clusterPublishPause)
        let started = Date()
        let what = try await disrupt(connection, workspace) { more in
            let target = min(workspace.outboxRecords().count + more, expected.count)
            try await gateway.eventually("\(more) more firings", timeout: .seconds(120)) {
                workspace.outboxRecords().count >= target
            }
        }
        #expect(try publisher.finish().count == total)
        do {
            try await gateway.eventually("every firing", timeout: ChaosScale.runTimeout) {
                guard workspace.outboxRecords().count >= expected.count else { return false }
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: Self.consumer)
                return info?.pending == 0 && info?.ackPending == 0
            }
        } catch {
            throw HarnessFailure(
                description: "\(error)\n\(workspace.outboxRecords().count)/\(expected.count) firings in the outbox")
        }
        let fired = workspace.outboxRecords().values.compactMap(GatewayEndToEndTests.workflowParameter)
        #expect(Set(fired) == expected, "every expected firing in the outbox, nothing else")
        #expect(fired.count == expected.count)
        let executions = Self.executions(in: gateway.logText)
        let twice = executions.succeeded.filter { $0.value > 1 }
        #expect(twice.isEmpty, "firings executed more than once: \(twice)")
        #expect(executions.succeeded.count == expected.count)
        ChaosScale.report(
            "NATS cluster (\(label)): \(total) events over \(Self.seconds(since: started)), \(expected.count) firings;"
                + " \(what); longest pause between firings \(Self.longestPause(workspace.outboxTimes()));"
                + " lost \(expected.count - Set(fired).intersection(expected).count), executed twice \(twice.count),"
                + " redeliveries found done \(executions.alreadyDone)")
        await connection.close()
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
        return gateway.logText
    }

    /// Per firing id, its "trigger executed" lines with outcome `succeeded`; and how many said `already_done` (a
    /// redelivery that found its outbox file).
    static func executions(in log: String) -> (succeeded: [String: Int], alreadyDone: Int) {
        var succeeded: [String: Int] = [:]
        var alreadyDone = 0
        for line in log.split(separator: "\n") where line.contains(#""message":"trigger executed""#) {
            guard let data = String(line).data(using: .utf8),
                let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { continue }
            guard let id = record["firing"] as? String else { continue }
            if record["outcome"] as? String == "succeeded" { succeeded[id, default: 0] += 1 }
            if record["outcome"] as? String == "already_done" { alreadyDone += 1 }
        }
        return (succeeded, alreadyDone)
    }

    static func longestPause(_ times: [Date]) -> String {
        let sorted = times.sorted()
        let gaps = zip(sorted, sorted.dropFirst()).map { $1.timeIntervalSince($0) }
        return String(format: "%.1f s", gaps.max() ?? 0)
    }

    static func seconds(since start: Date) -> String {
        String(format: "%.1f s", Date().timeIntervalSince(start))
    }
}
