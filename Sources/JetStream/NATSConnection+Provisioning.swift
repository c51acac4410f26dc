internal import CNATS
import Foundation

/// What provisioning did to one stream, consumer or bucket.
public struct ProvisioningResult: Sendable, Hashable, CustomStringConvertible {
    /// The kind of resource.
    public enum Kind: String, Sendable, Hashable {
        case stream, consumer
        case keyValueBucket = "kv bucket"
    }
    /// Created, or updated in place (which leaves an unchanged resource unchanged).
    public enum Action: String, Sendable, Hashable { case created, updated }

    /// The kind.
    public let kind: Kind
    /// The name (`STREAM/durable` for a consumer).
    public let name: String
    /// What was done.
    public let action: Action
    /// The replicas of a stream or bucket now; nil for a consumer, which has its stream's.
    public let replicas: Int?
    /// The replicas an updated stream or bucket had before.
    public let previousReplicas: Int?

    init(kind: Kind, name: String, action: Action, replicas: Int? = nil, previousReplicas: Int? = nil) {
        self.kind = kind
        self.name = name
        self.action = action
        self.replicas = replicas
        self.previousReplicas = previousReplicas
    }

    /// Whether the update changed the number of replicas.
    public var changedReplicas: Bool { previousReplicas != nil && previousReplicas != replicas }

    /// E.g. `stream EVENTS: created, 3 replicas` or `kv bucket b: updated, replicas 1 -> 3`.
    public var description: String {
        let text = "\(kind.rawValue) \(name): \(action.rawValue)"
        guard let replicas else { return text }
        if let previousReplicas, previousReplicas != replicas {
            return text + ", replicas \(previousReplicas) -> \(replicas)"
        }
        return text + ", \(replicas) replica\(replicas == 1 ? "" : "s")"
    }
}

/// Why provisioning stopped: the server refused a resource.
public enum ProvisioningError: Error, Sendable, CustomStringConvertible {
    /// The server refused to create or update a resource (e.g. a change it cannot apply in place).
    case refused(kind: ProvisioningResult.Kind, name: String, error: NATSError)

    public var description: String {
        switch self {
        case .refused(let kind, let name, let error): "\(kind.rawValue) \(name): \(error)"
        }
    }
}

extension NATSConnection {
    /// Creates or updates `specs`' streams, then buckets, then consumers.
    ///
    /// A stream or bucket whose spec leaves `num_replicas` out gets min(3, servers in the JetStream cluster)
    /// replicas (one on a server that is not clustered), and never fewer than it has already; the cluster's size is
    /// learned from the server's answers to these requests. Consumers keep the replicas of their stream.
    /// - Throws: ``ProvisioningError/refused(kind:name:error:)`` for the first resource the server refuses.
    @discardableResult
    public func provision(_ specs: JetStreamSpecs) async throws(ProvisioningError) -> [ProvisioningResult] {
        var results: [ProvisioningResult] = []
        var placement = ReplicaPlacement()
        for stream in specs.streams {
            do {
                let (result, learned) = try await createOrUpdate(stream, placement: placement)
                results.append(result)
                placement = learned
            } catch {
                throw .refused(kind: .stream, name: stream.name, error: error)
            }
        }
        for bucket in specs.keyValueBuckets {
            do {
                let (result, learned) = try await createOrUpdate(bucket, placement: placement)
                results.append(result)
                placement = learned
            } catch {
                throw .refused(kind: .keyValueBucket, name: bucket.bucket, error: error)
            }
        }
        for consumer in specs.consumers {
            do { results.append(try await createOrUpdate(consumer)) } catch {
                throw .refused(kind: .consumer, name: "\(consumer.stream)/\(consumer.durableName)", error: error)
            }
        }
        return results
    }

    /// Creates the stream, or updates it in place when it exists; without `num_replicas` in the spec, with the
    /// replicas ``provision(_:)`` describes.
    /// - Throws: ``NATSError`` when the server refuses (e.g. a change of storage, which cannot be made in place).
    @discardableResult
    public func createOrUpdate(_ spec: StreamSpec) async throws(NATSError) -> ProvisioningResult {
        try await createOrUpdate(spec, placement: ReplicaPlacement()).result
    }

    private func createOrUpdate(_ spec: StreamSpec, placement: ReplicaPlacement) async throws(NATSError)
        -> (result: ProvisioningResult, placement: ReplicaPlacement)
    {
        let connection = self
        return try await worker.run { () throws(NATSError) -> (ProvisioningResult, ReplicaPlacement) in
            var placement = placement
            let existing = try connection.lookUpStream(spec.name)
            let arena = CStringArena()
            var config = jsStreamConfig()
            jsStreamConfig_Init(&config)
            spec.apply(to: &config, arena: arena)
            let replicas = try placement.send(
                &config, automatic: spec.replicas == nil, existing: existing,
                operation: "\(existing == nil ? "create" : "update") stream \(spec.name)",
                connection.streamRequest(update: existing != nil))
            withExtendedLifetime(arena) {}
            return (
                ProvisioningResult(
                    kind: .stream, name: spec.name, action: existing == nil ? .created : .updated, replicas: replicas,
                    previousReplicas: existing?.replicas),
                placement
            )
        }
    }

    /// Sends a stream create or update request; runs on a worker thread.
    private func streamRequest(update: Bool) -> ReplicaPlacement.Request {
        { config in
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var errorCode = jsErrCode(0)
            let status =
                update
                ? js_UpdateStream(&info, self.jetStream, &config, nil, &errorCode)
                : js_AddStream(&info, self.jetStream, &config, nil, &errorCode)
            jsStreamInfo_Destroy(info)
            return (status, errorCode)
        }
    }

    /// Creates the durable consumer, or updates it in place when it exists.
    /// - Throws: ``NATSError`` when the stream does not exist or the server refuses a change.
    @discardableResult
    public func createOrUpdate(_ spec: ConsumerSpec) async throws(NATSError) -> ProvisioningResult {
        let connection = self
        let name = "\(spec.stream)/\(spec.durableName)"
        return try await worker.run { () throws(NATSError) -> ProvisioningResult in
            var existing: UnsafeMutablePointer<jsConsumerInfo>?
            var lookupError = jsErrCode(0)
            let lookup = js_GetConsumerInfo(
                &existing, connection.jetStream, spec.stream, spec.durableName, nil, &lookupError)
            let exists = lookup == NATS_OK
            jsConsumerInfo_Destroy(existing)
            if !exists && lookup != NATS_NOT_FOUND {
                throw NATSError.fromLastError(
                    lookup, operation: "look up consumer \(name)", jetStreamErrorCode: lookupError)
            }
            let arena = CStringArena()
            var config = jsConsumerConfig()
            jsConsumerConfig_Init(&config)
            spec.apply(to: &config, arena: arena)
            var info: UnsafeMutablePointer<jsConsumerInfo>?
            var errorCode = jsErrCode(0)
            let status =
                exists
                ? js_UpdateConsumer(&info, connection.jetStream, spec.stream, &config, nil, &errorCode)
                : js_AddConsumer(&info, connection.jetStream, spec.stream, &config, nil, &errorCode)
            guard status == NATS_OK else {
                throw NATSError.fromLastError(
                    status, operation: "\(exists ? "update" : "create") consumer \(name)", jetStreamErrorCode: errorCode
                )
            }
            jsConsumerInfo_Destroy(info)
            withExtendedLifetime(arena) {}
            return ProvisioningResult(kind: .consumer, name: name, action: exists ? .updated : .created)
        }
    }

    /// Creates the bucket, or updates its stream (`KV_<bucket>`) in place when it exists; without `num_replicas` in
    /// the spec, with the replicas ``provision(_:)`` describes.
    /// - Throws: ``NATSError`` when the server refuses.
    @discardableResult
    public func createOrUpdate(_ spec: KeyValueSpec) async throws(NATSError) -> ProvisioningResult {
        try await createOrUpdate(spec, placement: ReplicaPlacement()).result
    }

    /// A new bucket is created with one replica (or the spec's), and an automatic count is then set on its stream
    /// like on an existing one's: libnats reports no JetStream error code for a bucket create, which the placement
    /// needs.
    private func createOrUpdate(_ spec: KeyValueSpec, placement: ReplicaPlacement) async throws(NATSError)
        -> (result: ProvisioningResult, placement: ReplicaPlacement)
    {
        let connection = self
        return try await worker.run { () throws(NATSError) -> (ProvisioningResult, ReplicaPlacement) in
            var placement = placement
            let streamName = "KV_\(spec.bucket)"
            var existing = try connection.lookUpStream(streamName)
            let created = existing == nil
            if created {
                let arena = CStringArena()
                var config = kvConfig()
                kvConfig_Init(&config)
                spec.apply(to: &config, arena: arena)
                config.Replicas = Int32(clamping: spec.replicas ?? 1)
                var store: OpaquePointer?
                try NATSError.check("create kv bucket \(spec.bucket)") {
                    js_CreateKeyValue(&store, connection.jetStream, &config)
                }
                kvStore_Destroy(store)
                withExtendedLifetime(arena) {}
                existing = try connection.lookUpStream(streamName)
                let raise = spec.replicas == nil && existing.map { placement.wantsMore(than: $0) } == true
                if !raise {
                    let result = ProvisioningResult(
                        kind: .keyValueBucket, name: spec.bucket, action: .created,
                        replicas: existing?.replicas ?? Int(config.Replicas))
                    return (result, placement)
                }
            }
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var errorCode = jsErrCode(0)
            try NATSError.check("look up kv bucket \(spec.bucket)") {
                js_GetStreamInfo(&info, connection.jetStream, streamName, nil, &errorCode)
            }
            defer { jsStreamInfo_Destroy(info) }
            // A copy of the struct: its pointers stay owned by `info`, the changed ones by `arena`.
            guard var config = info?.pointee.Config?.pointee else {
                throw NATSError(
                    .operationFailed, operation: "update kv bucket \(spec.bucket)", detail: "no stream config")
            }
            let arena = CStringArena()
            spec.apply(toStream: &config, arena: arena)
            let replicas = try placement.send(
                &config, automatic: spec.replicas == nil, existing: existing,
                operation: "update kv bucket \(spec.bucket)", justCreated: created,
                connection.streamRequest(update: true))
            withExtendedLifetime(arena) {}
            return (
                ProvisioningResult(
                    kind: .keyValueBucket, name: spec.bucket, action: created ? .created : .updated,
                    replicas: replicas, previousReplicas: created ? nil : existing?.replicas),
                placement
            )
        }
    }
}

extension StreamSpec {
    func apply(to config: inout jsStreamConfig, arena: CStringArena) {
        config.Name = arena.copy(name)
        config.Description = arena.copy(description)
        config.Subjects = arena.copyArray(subjects)
        config.SubjectsLen = Int32(subjects.count)
        if let retention {
            config.Retention =
                switch retention {
                case .limits: js_LimitsPolicy
                case .interest: js_InterestPolicy
                case .workQueue: js_WorkQueuePolicy
                }
        }
        if let storage { config.Storage = storage.natsValue }
        if let discard { config.Discard = discard == .old ? js_DiscardOld : js_DiscardNew }
        if let maxConsumers { config.MaxConsumers = maxConsumers }
        if let maxMessages { config.MaxMsgs = maxMessages }
        if let maxBytes { config.MaxBytes = maxBytes }
        if let maxMessagesPerSubject { config.MaxMsgsPerSubject = maxMessagesPerSubject }
        if let maxMessageSize { config.MaxMsgSize = Int32(clamping: maxMessageSize) }
        if let maxAge { config.MaxAge = maxAge.nanoseconds }
        if let duplicateWindow { config.Duplicates = duplicateWindow.nanoseconds }
        if let replicas { config.Replicas = replicas }
        if let noAck { config.NoAck = noAck }
        if let denyDelete { config.DenyDelete = denyDelete }
        if let denyPurge { config.DenyPurge = denyPurge }
        if let allowRollup { config.AllowRollup = allowRollup }
        if let allowDirect { config.AllowDirect = allowDirect }
    }
}

extension StreamSpec.Storage {
    var natsValue: jsStorageType { self == .file ? js_FileStorage : js_MemoryStorage }
}

extension ConsumerSpec {
    func apply(to config: inout jsConsumerConfig, arena: CStringArena) {
        config.Durable = arena.copy(durableName)
        config.Description = arena.copy(description)
        if let deliverPolicy {
            config.DeliverPolicy =
                switch deliverPolicy {
                case .all: js_DeliverAll
                case .last: js_DeliverLast
                case .new: js_DeliverNew
                case .byStartSequence: js_DeliverByStartSequence
                case .lastPerSubject: js_DeliverLastPerSubject
                }
        }
        if let startSequence { config.OptStartSeq = startSequence }
        config.AckPolicy =
            switch ackPolicy ?? .explicit {
            case .explicit: js_AckExplicit
            case .all: js_AckAll
            case .none: js_AckNone
            }
        if let ackWait { config.AckWait = ackWait.nanoseconds }
        if let maxDeliver { config.MaxDeliver = maxDeliver }
        if let backoff, !backoff.isEmpty {
            config.BackOff = arena.copyArray(backoff.map(\.nanoseconds))
            config.BackOffLen = Int32(backoff.count)
        }
        config.FilterSubject = arena.copy(filterSubject)
        if let replayPolicy { config.ReplayPolicy = replayPolicy == .instant ? js_ReplayInstant : js_ReplayOriginal }
        if let maxWaiting { config.MaxWaiting = maxWaiting }
        if let maxAckPending { config.MaxAckPending = maxAckPending }
        if let maxBatch { config.MaxRequestBatch = maxBatch }
        if let maxExpires { config.MaxRequestExpires = maxExpires.nanoseconds }
        if let replicas { config.Replicas = replicas }
        if let headersOnly { config.HeadersOnly = headersOnly }
        if let memoryStorage { config.MemoryStorage = memoryStorage }
    }
}

extension KeyValueSpec {
    func apply(to config: inout kvConfig, arena: CStringArena) {
        config.Bucket = arena.copy(bucket)
        config.Description = arena.copy(description)
        if let history { config.History = UInt8(clamping: history) }
        if let ttl { config.TTL = ttl.nanoseconds }
        if let maxBytes { config.MaxBytes = maxBytes }
        if let maxValueSize { config.MaxValueSize = Int32(clamping: maxValueSize) }
        if let replicas { config.Replicas = Int32(clamping: replicas) }
        if let storage { config.StorageType = storage.natsValue }
    }

    /// The same settings, on the bucket's existing stream (as the NATS clients map them).
    func apply(toStream config: inout jsStreamConfig, arena: CStringArena) {
        if let description { config.Description = arena.copy(description) }
        if let history { config.MaxMsgsPerSubject = history }
        if let ttl { config.MaxAge = ttl.nanoseconds }
        if let maxBytes { config.MaxBytes = maxBytes }
        if let maxValueSize { config.MaxMsgSize = Int32(clamping: maxValueSize) }
        if let replicas { config.Replicas = replicas }
    }
}
