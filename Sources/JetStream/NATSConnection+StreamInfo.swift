internal import CNATS

/// A stream's replication and size, as the server reports it (`$JS.API.STREAM.INFO.<name>`).
public struct StreamInfo: Sendable, Hashable {
    /// A server holding a copy of the stream besides its leader.
    public struct Follower: Sendable, Hashable {
        /// The server's name.
        public let name: String
        /// Whether it has every message the leader has.
        public let isCurrent: Bool
    }

    /// The stream's name.
    public let name: String
    /// `num_replicas` of its configuration.
    public let replicas: Int
    /// The name of the JetStream cluster holding it; nil on a server that is not clustered.
    public let cluster: String?
    /// The server that leads the stream: it stores every message first and answers its consumers. Nil when the
    /// server is not clustered, or while the stream elects a leader.
    public let leader: String?
    /// The other servers holding the stream.
    public let followers: [Follower]
    /// Messages stored.
    public let messages: UInt64
    /// The sequence of the oldest message stored (the next one to be stored when the stream is empty).
    public let firstSequence: UInt64
    /// The sequence of the newest message stored (0 when the stream never held one).
    public let lastSequence: UInt64
}

extension NATSConnection {
    /// The stream's configuration and cluster placement (a key-value bucket's stream is `KV_<bucket>`).
    /// - Throws: ``NATSError`` with ``NATSError/Code/notFound`` if the stream does not exist.
    public func streamInfo(_ name: String) async throws(NATSError) -> StreamInfo {
        let connection = self
        return try await worker.run { () throws(NATSError) -> StreamInfo in
            guard let info = try connection.lookUpStream(name) else {
                throw NATSError(.notFound, operation: "stream info \(name)", detail: "no such stream")
            }
            return info
        }
    }

    /// The stream's info, or nil when it does not exist; runs on a worker thread.
    func lookUpStream(_ name: String) throws(NATSError) -> StreamInfo? {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var errorCode = jsErrCode(0)
        let status = js_GetStreamInfo(&info, jetStream, name, nil, &errorCode)
        defer { jsStreamInfo_Destroy(info) }
        switch status {
        case NATS_OK: break
        case NATS_NOT_FOUND: return nil
        default:
            throw NATSError.fromLastError(status, operation: "look up stream \(name)", jetStreamErrorCode: errorCode)
        }
        guard let value = info?.pointee else {
            throw NATSError(.operationFailed, operation: "look up stream \(name)", detail: "no stream info")
        }
        let cluster = value.Cluster?.pointee
        var followers: [StreamInfo.Follower] = []
        if let cluster, let replicas = cluster.Replicas {
            for index in 0..<Int(cluster.ReplicasLen) {
                guard let peer = replicas[index]?.pointee else { continue }
                followers.append(
                    StreamInfo.Follower(name: peer.Name.map { String(cString: $0) } ?? "", isCurrent: peer.Current))
            }
        }
        let leader = cluster?.Leader.map { String(cString: $0) }
        return StreamInfo(
            name: name, replicas: Int(value.Config?.pointee.Replicas ?? 1),
            cluster: cluster?.Name.map { String(cString: $0) }, leader: leader?.isEmpty == false ? leader : nil,
            followers: followers, messages: value.State.Msgs, firstSequence: value.State.FirstSeq,
            lastSequence: value.State.LastSeq)
    }
}
