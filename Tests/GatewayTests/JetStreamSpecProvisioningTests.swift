import ConfigReader
import Foundation
import Gateway
import JetStream
import JetStreamTesting
import Testing

/// `specs/jetstream`, read by the gateway's configuration reader and provisioned through JetStream.
@Suite("Provisioning from specs/jetstream", .serialized, .timeLimit(.minutes(3)))
struct JetStreamSpecProvisioningTests {
    static let shippedSpecs = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("specs/jetstream")

    @Test("the shipped specs provision, and provisioning again changes nothing")
    func shippedSpecsAreIdempotent() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url], name: "spec-tests"))
        do {
            let specs = try JetStreamSpecs.load(directory: Self.shippedSpecs)
            let first = try await connection.provision(specs)
            #expect(
                first.map(\.description).sorted() == [
                    "consumer EVENTS/sensor-gateway: created",
                    "kv bucket sensor-gateway-correlations: created, 1 replica",
                    "kv bucket sensor-gateway-firings: created, 1 replica", "stream DLQ: created, 1 replica",
                    "stream EVENTS: created, 1 replica",
                ])
            let second = try await connection.provision(specs)
            #expect(second.allSatisfy { $0.action == .updated })
            #expect(second.count == first.count)

            let consumer = try await connection.pullConsumer(stream: "EVENTS", durable: "sensor-gateway")
            #expect(consumer.maximumDeliveries == 5)
            let ack = try await connection.publish(OutgoingMessage(subject: "dlq.sensor-gateway", data: [1]))
            #expect(ack.stream == "DLQ")
            let bucket = try await connection.keyValue("sensor-gateway-correlations")
            #expect(try await bucket.put("sensor.trigger", value: [1]) > 0)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    @Test(
        "an invalid spec names its file, line, column and field",
        arguments: [
            (
                "consumers", #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "ack_wait": "soon"}}"#,
                "1:71: error: config.ack_wait must be a Go duration"
            ),
            (
                "consumers", #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "ack_policy": "sometimes"}}"#,
                "1:73: error: config.ack_policy must be one of"
            ),
            (
                "consumers",
                #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "max_deliver": 2, "backoff": ["1s", "2s"]}}"#,
                "1:88: error: config.backoff needs max_deliver greater than its 2 entries"
            ),
            (
                "consumers", #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "deliver_subject": "push"}}"#,
                "1:78: error: config.deliver_subject push consumers are not supported"
            ),
            (
                "streams", #"{"name": "S", "subjects": ["a.>"], "max_msgs": "many"}"#,
                "1:48: error: max_msgs must be an integer"
            ),
            (
                "streams", #"{"name": "S", "subjects": ["a.>"], "retension": "limits"}"#,
                "1:36: error: unknown field retension (did you mean 'retention'?)"
            ),
            ("streams", #"{"name": "S"}"#, "1:1: error: subjects is required"),
            ("kv", #"{"bucket": "b", "history": 100}"#, "1:28: error: history at most 64"),
        ])
    func invalidSpecNamesFileAndField(folder: String, json: String, expected: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("specs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(folder).appendingPathComponent("bad.json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(json.utf8).write(to: file)
        #expect {
            _ = try JetStreamSpecs.load(directory: directory)
        } throws: { error in
            "\(error)".hasPrefix("\(file.path):\(expected)")
        }
    }

    @Test("the shipped specs load with the documented settings")
    func shippedSpecsContent() throws {
        let specs = try JetStreamSpecs.load(directory: Self.shippedSpecs)
        let events = try #require(specs.streams.first { $0.name == "EVENTS" })
        #expect(events.subjects == ["events.>"])
        #expect(events.duplicateWindow == .seconds(120))
        #expect(specs.streams.contains { $0.subjects == ["dlq.>"] })
        let consumer = try #require(specs.consumers.first)
        #expect(consumer.ackPolicy == .explicit)
        #expect(consumer.ackWait == GatewayConfiguration().processing.executionTimeout, "ack wait = execution timeout")
        #expect(consumer.backoff == nil, "no backoff: a nak without a delay redelivers at once")
        #expect(specs.keyValueBuckets.map(\.bucket) == ["sensor-gateway-correlations", "sensor-gateway-firings"])
        #expect(specs.keyValueBuckets.last?.ttl == .seconds(86_400))
    }
}
