import JetStream
import Synchronization
import Triggers

/// ``FiringClaims`` in the JetStream key-value bucket `sensor-gateway-firings`: the key is the firing id, the value
/// the record's JSON; a claim is a create-if-absent, every later write a compare-and-set on the key's revision. The
/// bucket's `ttl` (24 h as shipped) forgets firings that old. Opened on first use over the engine's connection.
final class KeyValueFiringClaims: FiringClaims {
    /// The bucket's name.
    static let bucketName = "sensor-gateway-firings"
    /// Where the engine keeps its connection once it is up.
    private let state: GatewayState
    private let bucket = Mutex<KeyValueBucket?>(nil)

    init(state: GatewayState) {
        self.state = state
    }

    func read(_ firing: String) async throws -> StoredFiringClaim? {
        guard let entry = try await open().get(firing), entry.operation == .put else { return nil }
        return StoredFiringClaim(claim: try FiringClaim(json: entry.value, firing: firing), revision: entry.revision)
    }

    func create(_ firing: String, _ claim: FiringClaim) async throws -> UInt64? {
        let bucket = try await open()
        do throws(NATSError) {
            return try await bucket.create(firing, value: claim.json)
        } catch {
            if error.code == .keyExists { return nil }
            throw error
        }
    }

    func replace(_ firing: String, _ claim: FiringClaim, expectedRevision: UInt64) async throws -> UInt64? {
        let bucket = try await open()
        do throws(NATSError) {
            return try await bucket.update(firing, value: claim.json, expectedRevision: expectedRevision)
        } catch {
            if error.code == .staleRevision { return nil }
            throw error
        }
    }

    /// The bucket, opened once.
    private func open() async throws -> KeyValueBucket {
        if let bucket = bucket.withLock({ $0 }) { return bucket }
        guard let connection = state.connection else { throw NotConnected() }
        let opened = try await connection.keyValue(Self.bucketName)
        return bucket.withLock { current in
            if let current { return current }
            current = opened
            return opened
        }
    }

    /// A claim before the gateway's first connection.
    struct NotConnected: Error, CustomStringConvertible {
        var description: String { "the gateway is not connected to NATS yet" }
    }
}
