import EventModel
import Foundation
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// `sensor-gateway dlq` against the built gateway and a real nats-server, as an operator uses it
/// (docs/operations.md): list the dead letters (all, and filtered), show one, replay two once their cause is gone (the
/// sensor and trigger that failed fire with them, and no other), replay again (a duplicate, stored once), delete one.
@Suite("DLQ replay", .serialized, .timeLimit(.minutes(3)), .natsServer, .gatewayBinary)
struct DLQReplayTests {
    /// A sensor on the same subjects as `pair`, with two triggers on `a`: a replay for `pair` reaches neither, and one
    /// for `watcher`'s `second` trigger reaches that trigger alone.
    static let watcher = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: watcher}
        spec:
          dependencies:
            - {name: a, eventSourceName: src, eventName: a}
          triggers:
            - template: {name: first, log: {}}
            - template: {name: second, log: {}}
        """

    /// A dead letter as the gateway writes one for a permanent trigger failure: the original payload and headers plus
    /// the Sensor-Gateway-* headers.
    static func deadLetter(
        dependency: String, id: String, originalSequence: Int, sensor: String = "pair", trigger: String = "both"
    ) -> OutgoingMessage {
        let event = Event(id: id, source: "src", type: "test.event", subject: dependency, data: .map([:]))
        return OutgoingMessage(
            subject: "dlq.sensor-gateway", data: CloudEventCodec.encodeStructured(event, format: .messagePack),
            headers: [
                "Sensor-Gateway-Reason": "permanent: Argo Server answered 403", "Sensor-Gateway-Sensor": sensor,
                "Sensor-Gateway-Trigger": trigger, "Sensor-Gateway-Subject": "events.src.\(dependency)",
                "Sensor-Gateway-Stream-Sequence": "\(originalSequence)", "Sensor-Gateway-Deliveries": "1",
                "Team": "ml",
            ],
            messageID: "EVENTS-\(originalSequence)-\(sensor)-\(trigger)")
    }

    /// `/status`'s last outcome of each trigger, as `sensor/trigger` → event ids.
    static func outcomes(_ gateway: GatewayProcess) async throws -> [String: [String]] {
        let body = try #require(await gateway.get("/status")?.body)
        var result: [String: [String]] = [:]
        for sensor in try JSONCodec.decode(Array(body.utf8))["sensors"]?.arrayValue ?? [] {
            for trigger in sensor["triggers"]?.arrayValue ?? [] {
                guard let outcome = trigger["lastOutcome"] else { continue }
                let name = "\(sensor["name"]?.stringValue ?? "")/\(trigger["name"]?.stringValue ?? "")"
                result[name] = outcome["events"]?.arrayValue?.compactMap(\.stringValue) ?? []
            }
        }
        return result
    }

    @Test("list, filter, show, replay to the failed trigger alone, replay again (stored once), dry run, delete")
    func listShowReplayDelete() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["pair.yaml": GatewayEndToEndTests.pair, "watcher.yaml": Self.watcher])
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        // `sensor-gateway dlq <subcommand> --server <url> <arguments…>`.
        func dlq(_ subcommand: String, _ arguments: String...) throws -> ScriptRun {
            try ScriptRun.gateway(["dlq", subcommand, "--server", server.url] + arguments)
        }

        // Dead letter 1: an undecodable message, written by the gateway itself. 2 and 3: the halves of `a && b`.
        // 4: `a` for watcher's second trigger.
        try PythonPublisher.publish(server: server.url, [["subject": "events.src.a", "raw_hex": "c1ffee"]])
        try await gateway.eventually("the poison message to be dead-lettered") {
            await gateway.metric(#"sensor_gateway_dlq_total{sensor="",reason="undecodable"}"#) == 1
        }
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        for letter in [
            Self.deadLetter(dependency: "a", id: "replayed-a", originalSequence: 101),
            Self.deadLetter(dependency: "b", id: "replayed-b", originalSequence: 102),
            Self.deadLetter(
                dependency: "a", id: "watched-a", originalSequence: 103, sensor: "watcher", trigger: "second"),
        ] {
            _ = try await connection.publish(letter)
        }

        let list = try dlq("list")
        #expect(list.status == 0, "\(list.transcript)")
        let lines = list.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(list.transcript)")
        #expect(lines.first?.hasPrefix(#"1 reason="undecodable"#) == true, "\(list.transcript)")
        #expect(
            lines.first?.contains(#"subject="events.src.a" stream-sequence="1" deliveries="1" time="20"#) == true,
            "\(list.transcript)")
        #expect(
            lines.dropFirst().first?.hasPrefix(
                #"2 reason="permanent: Argo Server answered 403" sensor="pair" trigger="both" subject="events.src.a" stream-sequence="101" deliveries="1" time=""#
            ) == true, "\(list.transcript)")
        #expect(lines.last == "4 dead letters in DLQ")

        let filtered = try dlq("list", "--sensor", "pair", "--reason", "403", "--since", "10m")
        let filteredLines = filtered.output.split(separator: "\n")
        #expect(filteredLines.dropLast().map { $0.prefix(2) } == ["2 ", "3 "], "\(filtered.transcript)")
        #expect(filteredLines.last == "2 dead letters in DLQ", "\(filtered.transcript)")
        let future = try dlq("list", "--since", "2999-01-01T00:00:00Z")
        #expect(future.output == "0 dead letters in DLQ\n", "\(future.transcript)")
        let undecodable = try dlq("list", "--reason", "undecodable")
        #expect(undecodable.output.hasSuffix("1 dead letter in DLQ\n"), "\(undecodable.transcript)")

        let show = try dlq("show", "3")
        #expect(show.status == 0, "\(show.transcript)")
        #expect(show.output.contains("sequence 3 subject dlq.sensor-gateway\n"), "\(show.transcript)")
        #expect(show.output.contains("Sensor-Gateway-Subject: events.src.b\n") && show.output.contains("Team: ml\n"))

        let dryRun = try dlq("replay", "--sensor", "pair", "--dry-run")
        #expect(
            dryRun.output
                == "would replay DLQ 2 to events.src.a for pair/both\nwould replay DLQ 3 to events.src.b for pair/both\n",
            "\(dryRun.transcript)")
        #expect(try await Self.outcomes(gateway).isEmpty)

        let replay = try dlq("replay", "2", "3")
        #expect(replay.status == 0, "\(replay.transcript)")
        #expect(
            replay.output.contains("replayed DLQ 2 to events.src.a for pair/both: stream EVENTS sequence"),
            "\(replay.transcript)")
        #expect(
            replay.output.contains("replayed DLQ 3 to events.src.b for pair/both: stream EVENTS sequence"),
            "\(replay.transcript)")
        try await gateway.eventually("the replayed events to fire `a && b`") {
            (try? await Self.outcomes(gateway))?["pair/both"] == ["replayed-a", "replayed-b"]
        }
        // watcher's triggers on `a` did not see the replay meant for pair/both.
        #expect(try await Self.outcomes(gateway) == ["pair/both": ["replayed-a", "replayed-b"]])

        let targeted = try dlq("replay", "--trigger", "second")
        #expect(
            targeted.output.hasPrefix("replayed DLQ 4 to events.src.a for watcher/second"), "\(targeted.transcript)")
        try await gateway.eventually("the replay to fire watcher/second") {
            (try? await Self.outcomes(gateway))?["watcher/second"] == ["watched-a"]
        }
        #expect(try await Self.outcomes(gateway)["watcher/first"] == nil)

        // What was republished: the original payload and headers, none of the gateway's but the replay target.
        let events = try await connection.readStream("EVENTS", expecting: 4)
        let replayed = try #require(events.dropLast().last)
        #expect(replayed.subject == "events.src.b")
        #expect(replayed.header("Team") == "ml")
        #expect(replayed.header("Nats-Msg-Id") == "replay-events.src.b-102-pair-both")
        #expect(replayed.header("Sensor-Gateway-Replay-Sensor") == "pair")
        #expect(replayed.header("Sensor-Gateway-Replay-Trigger") == "both")
        #expect(replayed.header("Sensor-Gateway-Reason") == nil, "\(replayed.headers)")
        #expect(try CloudEventCodec.decode(payload: replayed.data).id == "replayed-b")

        let again = try dlq("replay", "3")
        #expect(again.status == 0)
        #expect(again.output.hasSuffix("(duplicate: already replayed)\n"), "\(again.transcript)")

        let delete = try dlq("delete", "1")
        #expect(delete.output == "deleted DLQ 1\n", "\(delete.transcript)")
        let after = try dlq("list")
        #expect(after.output.hasSuffix("3 dead letters in DLQ\n"), "\(after.transcript)")
        let missing = try dlq("replay", "1")
        #expect(
            missing.status == 1 && missing.output == "error: not found in DLQ: sequence 1\n", "\(missing.transcript)")
        let nothing = try dlq("replay")
        #expect(nothing.status != 0, "replay without sequences or filters refuses: \(nothing.transcript)")

        await connection.close()
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }
}
