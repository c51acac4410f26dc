internal import CNATS
import Glibc

/// The replicas of a stream or bucket whose spec leaves `num_replicas` out: min(3, servers in the JetStream
/// cluster), and never fewer than it has already.
///
/// The cluster's size is learned from the server's own answers, which any user allowed to create streams gets:
/// a plain user sees neither the meta group (`$JS.API.INFO` carries no cluster, `/jsz` and `$SYS` need the monitoring
/// port or the system account) nor, reliably, the servers (the client INFO's `connect_urls` is empty under
/// `cluster { no_advertise: true }`, common in Kubernetes, and lists servers without JetStream too). So:
/// - a stream's info without a cluster means a server that is not clustered: one replica;
/// - a create with more than one replica on such a server is refused (10074, replicas not supported): one replica;
/// - on a cluster, a count it cannot place is refused (10005 no suitable peers, 10023 insufficient resources): one
///   fewer, down to what the stream has.
///
/// What was learned holds for the following resources of the same provisioning.
struct ReplicaPlacement: Sendable {
    /// The count wanted on a cluster of three or more.
    static let wanted: Int64 = 3
    /// How long a stream created a moment ago may still be unknown to the cluster's stream API.
    static let formationWait = Duration.seconds(10)

    /// Sends a create or update of a stream config; returns libnats' status and the JetStream error code.
    typealias Request = (inout jsStreamConfig) -> (natsStatus, jsErrCode)

    /// The most replicas a resource can get on this server, as far as is known.
    private(set) var ceiling = wanted

    /// Whether an automatic count would raise `stream`'s replicas; learns whether the server is clustered.
    mutating func wantsMore(than stream: StreamInfo) -> Bool {
        if stream.cluster == nil { ceiling = 1 }
        return ceiling > Int64(stream.replicas)
    }

    /// Sends `config` with `request`: as it is when `automatic` is false, else with the automatic count, lowered
    /// while the server cannot place it. Runs on a worker thread.
    /// - Parameter justCreated: the stream was created a moment ago: a cluster may answer "stream not found" until its
    ///   group has formed, so that answer is retried for up to ``formationWait``.
    /// - Returns: the replicas the stream was given.
    /// - Throws: ``NATSError`` for the server's refusal (of the lowest count tried).
    mutating func send(
        _ config: inout jsStreamConfig, automatic: Bool, existing: StreamInfo?, operation: String,
        justCreated: Bool = false, _ request: Request
    ) throws(NATSError) -> Int {
        let floor = Int64(existing?.replicas ?? 1)
        if automatic {
            if let existing { _ = wantsMore(than: existing) }
            config.Replicas = max(floor, ceiling)
        }
        let formed = ContinuousClock.now + Self.formationWait
        while true {
            let (status, errorCode) = request(&config)
            if status == NATS_OK { return Int(config.Replicas) }
            if justCreated, errorCode == JSStreamNotFoundErr, ContinuousClock.now < formed {
                usleep(100_000)
                continue
            }
            let error = NATSError.fromLastError(status, operation: operation, jetStreamErrorCode: errorCode)
            guard automatic, config.Replicas > floor else { throw error }
            switch errorCode {
            case JSStreamReplicasNotSupportedErr:
                ceiling = 1
                config.Replicas = floor
            case JSClusterNoPeersErr, JSInsufficientResourcesErr:
                config.Replicas -= 1
                ceiling = config.Replicas
            default:
                throw error
            }
        }
    }
}
