import EventModel
import Foundation
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// `scripts/dlq.py` against the built gateway and a real nats-server, as an operator uses it (docs/operations.md):
/// list the dead letters, show one, replay two once their cause is gone (the gateway fires with them), replay again
/// (a duplicate, stored once), delete one.
@Suite("DLQ replay", .serialized, .timeLimit(.minutes(3)), .natsServer, .gatewayBinary)
struct DLQReplayTests {
    static let script = repository.appendingPathComponent("scripts/dlq.py").path

    /// A dead letter as the gateway writes one for a permanent trigger failure: the original payload and headers plus
    /// the Sensor-Gateway-* headers.
    static func deadLetter(dependency: String, id: String, originalSequence: Int) -> OutgoingMessage {
        let event = Event(id: id, source: "src", type: "test.event", subject: dependency, data: .map([:]))
        return OutgoingMessage(
            subject: "dlq.sensor-gateway", data: CloudEventCodec.encodeStructured(event, format: .messagePack),
            headers: [
                "Sensor-Gateway-Reason": "permanent: Argo Server answered 403", "Sensor-Gateway-Sensor": "pair",
                "Sensor-Gateway-Trigger": "both", "Sensor-Gateway-Subject": "events.src.\(dependency)",
                "Sensor-Gateway-Stream-Sequence": "\(originalSequence)", "Sensor-Gateway-Deliveries": "1",
                "Team": "ml",
            ],
            messageID: "EVENTS-\(originalSequence)-pair-both")
    }

    @Test("list, show, replay (the gateway fires with the replayed events), replay again (stored once), delete")
    func listShowReplayDelete() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(natsURL: server.url, sensors: ["pair.yaml": GatewayEndToEndTests.pair])
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()

        // Dead letter 1: an undecodable message, written by the gateway itself. 2 and 3: the halves of `a && b`.
        try PythonPublisher.publish(server: server.url, [["subject": "events.src.a", "raw_hex": "c1ffee"]])
        try await gateway.eventually("the poison message to be dead-lettered") {
            await gateway.metric(#"sensor_gateway_dlq_total{sensor="",reason="undecodable"}"#) == 1
        }
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        for letter in [
            Self.deadLetter(dependency: "a", id: "replayed-a", originalSequence: 101),
            Self.deadLetter(dependency: "b", id: "replayed-b", originalSequence: 102),
        ] {
            _ = try await connection.publish(letter)
        }

        let list = try ScriptRun.python(Self.script, ["--server", server.url, "list"])
        #expect(list.status == 0, "\(list.transcript)")
        let lines = list.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(list.transcript)")
        #expect(lines.first?.hasPrefix(#"1 reason="undecodable"#) == true, "\(list.transcript)")
        #expect(
            lines.first?.contains(#"subject="events.src.a" stream-sequence="1" deliveries="1""#) == true,
            "\(list.transcript)")
        #expect(
            lines.dropFirst().first
                == #"2 reason="permanent: Argo Server answered 403" sensor="pair" trigger="both" subject="events.src.a" stream-sequence="101" deliveries="1""#
        )
        #expect(lines.last == "3 dead letters in DLQ")

        let show = try ScriptRun.python(Self.script, ["--server", server.url, "show", "3"])
        #expect(show.status == 0, "\(show.transcript)")
        #expect(show.output.contains("sequence 3 subject dlq.sensor-gateway\n"), "\(show.transcript)")
        #expect(show.output.contains("Sensor-Gateway-Subject: events.src.b\n") && show.output.contains("Team: ml\n"))

        let replay = try ScriptRun.python(Self.script, ["--server", server.url, "replay", "2", "3"])
        #expect(replay.status == 0, "\(replay.transcript)")
        #expect(
            replay.output.contains("replayed DLQ 2 to events.src.a: stream EVENTS sequence"), "\(replay.transcript)")
        #expect(
            replay.output.contains("replayed DLQ 3 to events.src.b: stream EVENTS sequence"), "\(replay.transcript)")
        try await gateway.eventually("the replayed events to fire `a && b`") {
            await gateway.get("/status")?.body.contains(#""outcome":"succeeded","detail":"#) == true
        }
        let status = try #require(await gateway.get("/status")?.body)
        #expect(status.contains(#""events":["replayed-a","replayed-b"]"#), "\(status)")

        // What was republished: the original payload and headers, none of the gateway's.
        let events = try await connection.readStream("EVENTS", expecting: 3)
        let replayed = try #require(events.last)
        #expect(replayed.subject == "events.src.b")
        #expect(replayed.header("Team") == "ml")
        #expect(replayed.header("Nats-Msg-Id") == "replay-events.src.b-102")
        #expect(replayed.headers.keys.allSatisfy { !$0.hasPrefix("Sensor-Gateway-") }, "\(replayed.headers)")
        #expect(try CloudEventCodec.decode(payload: replayed.data).id == "replayed-b")

        let again = try ScriptRun.python(Self.script, ["--server", server.url, "replay", "3"])
        #expect(again.status == 0)
        #expect(again.output.hasSuffix("(duplicate: already replayed)\n"), "\(again.transcript)")

        let delete = try ScriptRun.python(Self.script, ["--server", server.url, "delete", "1"])
        #expect(delete.output == "deleted DLQ 1\n", "\(delete.transcript)")
        let after = try ScriptRun.python(Self.script, ["--server", server.url, "list"])
        #expect(after.output.hasSuffix("2 dead letters in DLQ\n"), "\(after.transcript)")
        let missing = try ScriptRun.python(Self.script, ["--server", server.url, "replay", "1"])
        #expect(missing.status == 1 && missing.output.hasPrefix("error: not found in DLQ"), "\(missing.transcript)")

        await connection.close()
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }
}
