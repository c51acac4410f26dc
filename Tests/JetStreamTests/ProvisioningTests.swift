import Foundation
import JetStream
import JetStreamTesting
import Testing

@Suite("Provisioning from specs/jetstream", .serialized, .timeLimit(.minutes(1)))
struct ProvisioningTests {
    @Test("the shipped specs provision, and provisioning again changes nothing")
    func shippedSpecsAreIdempotent() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let first = try await connection.provision(directory: shippedSpecs)
                #expect(first.map(\.description).sorted() == [
                    "consumer EVENTS/sensor-gateway: created", "kv bucket sensor-gateway-correlations: created",
                    "stream DLQ: created", "stream EVENTS: created",
                ])
                let second = try await connection.provision(directory: shippedSpecs)
                #expect(second.allSatisfy { $0.action == .updated })
                #expect(second.count == first.count)

                let consumer = try await connection.pullConsumer(stream: "EVENTS", durable: "sensor-gateway")
                #expect(consumer.maximumDeliveries == 5)
                let ack = try await connection.publish(OutgoingMessage(subject: "dlq.sensor-gateway", data: [1]))
                #expect(ack.stream == "DLQ")
                let bucket = try await connection.keyValue("sensor-gateway-correlations")
                #expect(try await bucket.put("sensor.trigger", value: [1]) > 0)
            }
        }
    }

    @Test("a changed spec updates the resource in place")
    func updateInPlace() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                var spec = ConsumerSpec(stream: "UPDATE", durableName: "worker")
                try await connection.createOrUpdate(StreamSpec(name: "UPDATE", subjects: ["update.>"]))
                spec.maxDeliver = 3
                #expect(try await connection.createOrUpdate(spec).action == .created)
                spec.maxDeliver = 7
                #expect(try await connection.createOrUpdate(spec).action == .updated)
                #expect(try await connection.consumerInfo(stream: "UPDATE", consumer: "worker").maximumDeliveries == 7)
            }
        }
    }

    @Test(
        "an invalid spec names its file and field",
        arguments: [
            ("consumers", #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "ack_wait": "soon"}}"#, "config.ack_wait"),
            ("consumers", #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "ack_policy": "sometimes"}}"#, "config.ack_policy"),
            ("consumers", #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "max_deliver": 2, "backoff": ["1s", "2s"]}}"#, "config.backoff"),
            ("consumers", #"{"stream_name": "EVENTS", "config": {"durable_name": "g", "deliver_subject": "push"}}"#, "config.deliver_subject"),
            ("streams", #"{"name": "S", "subjects": ["a.>"], "max_msgs": "many"}"#, "max_msgs"),
            ("streams", #"{"name": "S", "subjects": ["a.>"], "retension": "limits"}"#, "retension"),
            ("streams", #"{"name": "S"}"#, "subjects"),
            ("kv", #"{"bucket": "b", "history": 100}"#, "history"),
        ])
    func invalidSpecNamesFileAndField(folder: String, json: String, field: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("specs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(folder).appendingPathComponent("bad.json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(json.utf8).write(to: file)
        #expect {
            _ = try JetStreamSpecs.load(directory: directory)
        } throws: { error in
            guard let error = error as? SpecError else { return false }
            return error.file == file.path && error.field == field
        }
    }

    @Test("the shipped specs load with the documented settings")
    func shippedSpecsContent() throws {
        let specs = try JetStreamSpecs.load(directory: shippedSpecs)
        let events = try #require(specs.streams.first { $0.name == "EVENTS" })
        #expect(events.subjects == ["events.>"])
        #expect(events.duplicateWindow == .seconds(120))
        #expect(specs.streams.contains { $0.subjects == ["dlq.>"] })
        let consumer = try #require(specs.consumers.first)
        #expect(consumer.ackPolicy == .explicit)
        #expect(consumer.backoff == [.seconds(1), .seconds(5), .seconds(30), .seconds(120)])
        #expect(specs.keyValueBuckets.map(\.bucket) == ["sensor-gateway-correlations"])
    }
}
