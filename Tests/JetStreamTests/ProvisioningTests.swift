import Foundation
import JetStream
import JetStreamTesting
import Testing

@Suite("Provisioning", .serialized, .timeLimit(.minutes(3)))
struct ProvisioningTests {
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

    /// Without `num_replicas`, a server that is not clustered gives one replica (asked for three, it refuses, and the
    /// next resource is not asked again); a count in the spec is sent as written, so three are refused with the
    /// server's reason.
    @Test("replicas on a single server: automatic gives one, an explicit count is sent as written")
    func replicasOnASingleServer() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                var specs = JetStreamSpecs()
                specs.streams = [StreamSpec(name: "AUTO", subjects: ["auto.>"])]
                specs.keyValueBuckets = [KeyValueSpec(bucket: "auto")]
                let results = try await connection.provision(specs)
                #expect(
                    results.map(\.description) == [
                        "stream AUTO: created, 1 replica", "kv bucket auto: created, 1 replica",
                    ])
                let info = try await connection.streamInfo("AUTO")
                #expect(info.replicas == 1 && info.cluster == nil && info.leader == nil)
                #expect(
                    try await connection.createOrUpdate(specs.streams[0]).description
                        == "stream AUTO: updated, 1 replica")

                var three = StreamSpec(name: "THREE", subjects: ["three.>"])
                three.replicas = 3
                let error = await #expect(throws: NATSError.self) { try await connection.createOrUpdate(three) }
                #expect(error?.jetStreamErrorCode == 10074, "\(String(describing: error))")
                #expect(error?.detail.contains("non-clustered") == true, "\(String(describing: error))")
            }
        }
    }
}
