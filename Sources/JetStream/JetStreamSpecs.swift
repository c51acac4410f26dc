/// A stream, as in the server's JSON stream configuration (`nats stream info --json`'s `config`). A field left out
/// keeps the server's default.
public struct StreamSpec: Sendable, Hashable {
    /// `retention`.
    public enum Retention: Sendable, Hashable { case limits, interest, workQueue }
    /// `storage` (also KV `storage`).
    public enum Storage: Sendable, Hashable { case file, memory }
    /// `discard`.
    public enum Discard: Sendable, Hashable { case old, new }

    /// `name`.
    public var name: String
    /// `description`.
    public var description: String?
    /// `subjects`.
    public var subjects: [String]
    /// `retention`.
    public var retention: Retention?
    /// `storage`.
    public var storage: Storage?
    /// `discard`.
    public var discard: Discard?
    /// `max_consumers`, `max_msgs`, `max_bytes`, `max_msgs_per_subject`, `max_msg_size` (-1: unlimited).
    public var maxConsumers: Int64?, maxMessages: Int64?, maxBytes: Int64?, maxMessagesPerSubject: Int64?,
        maxMessageSize: Int64?
    /// `max_age` (zero: unlimited).
    public var maxAge: Duration?
    /// `duplicate_window`: how long `Nats-Msg-Id`s are remembered.
    public var duplicateWindow: Duration?
    /// `num_replicas`; nil: min(3, servers in the JetStream cluster), see ``NATSConnection/provision(_:)``.
    public var replicas: Int64?
    /// `no_ack`, `deny_delete`, `deny_purge`, `allow_rollup_hdrs`, `allow_direct`.
    public var noAck: Bool?, denyDelete: Bool?, denyPurge: Bool?, allowRollup: Bool?, allowDirect: Bool?

    /// Creates a spec with the server's defaults for everything but the name and subjects.
    public init(name: String, subjects: [String]) {
        self.name = name
        self.subjects = subjects
    }
}

/// A durable pull consumer, as in the server's JSON consumer-create request: `{"stream_name": …, "config": {…}}`.
public struct ConsumerSpec: Sendable, Hashable {
    /// `deliver_policy`.
    public enum DeliverPolicy: Sendable, Hashable { case all, last, new, byStartSequence, lastPerSubject }
    /// `ack_policy`.
    public enum AckPolicy: Sendable, Hashable { case explicit, all, none }
    /// `replay_policy`.
    public enum ReplayPolicy: Sendable, Hashable { case instant, original }

    /// `stream_name`.
    public var stream: String
    /// `config.durable_name`.
    public var durableName: String
    /// `config.description`.
    public var description: String?
    /// `config.deliver_policy` and `config.opt_start_seq`.
    public var deliverPolicy: DeliverPolicy?, startSequence: UInt64?
    /// `config.ack_policy`.
    public var ackPolicy: AckPolicy?
    /// `config.ack_wait`.
    public var ackWait: Duration?
    /// `config.max_deliver` (-1: unlimited).
    public var maxDeliver: Int64?
    /// `config.backoff`: the redelivery delays, one per delivery (the last repeats); needs `max_deliver` above its count.
    public var backoff: [Duration]?
    /// `config.filter_subject` (nats-server 2.9: one subject).
    public var filterSubject: String?
    /// `config.replay_policy`.
    public var replayPolicy: ReplayPolicy?
    /// `config.max_waiting`, `config.max_ack_pending`, `config.max_batch`, `config.num_replicas`.
    public var maxWaiting: Int64?, maxAckPending: Int64?, maxBatch: Int64?, replicas: Int64?
    /// `config.max_expires`.
    public var maxExpires: Duration?
    /// `config.headers_only`, `config.mem_storage`.
    public var headersOnly: Bool?, memoryStorage: Bool?

    /// Creates a spec with the server's defaults (explicit acks) for everything but the names.
    public init(stream: String, durableName: String) {
        self.stream = stream
        self.durableName = durableName
    }
}

/// A key-value bucket, as in the JSON of the NATS clients' `KeyValueConfig`.
public struct KeyValueSpec: Sendable, Hashable {
    /// `bucket`.
    public var bucket: String
    /// `description`.
    public var description: String?
    /// `history`: revisions kept per key (1–64).
    public var history: Int64?
    /// `ttl`: how long a value lives (zero: forever).
    public var ttl: Duration?
    /// `max_bytes`, `max_value_size` (-1: unlimited), `num_replicas` (nil: as a stream's, see
    /// ``NATSConnection/provision(_:)``).
    public var maxBytes: Int64?, maxValueSize: Int64?, replicas: Int64?
    /// `storage`.
    public var storage: StreamSpec.Storage?

    /// Creates a spec with the defaults for everything but the name.
    public init(bucket: String) {
        self.bucket = bucket
    }
}

/// Every spec of a `specs/jetstream` directory: `streams/*.json`, `consumers/*.json`, `kv/*.json` (the gateway reads
/// the files).
public struct JetStreamSpecs: Sendable, Hashable {
    /// Streams, by file name order.
    public var streams: [StreamSpec] = []
    /// Consumers, by file name order.
    public var consumers: [ConsumerSpec] = []
    /// Key-value buckets, by file name order.
    public var keyValueBuckets: [KeyValueSpec] = []

    /// Creates an empty set.
    public init() {}
}
