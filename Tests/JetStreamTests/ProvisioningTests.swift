import Foundation
import JetStream
import JetStreamTesting
import Testing

@Suite("Provisioning", .serialized, .timeLimit(.minutes(1)))
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
}
