public import Foundation

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
    /// `num_replicas`.
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
    /// `max_bytes`, `max_value_size` (-1: unlimited), `num_replicas`.
    public var maxBytes: Int64?, maxValueSize: Int64?, replicas: Int64?
    /// `storage`.
    public var storage: StreamSpec.Storage?

    /// Creates a spec with the defaults for everything but the name.
    public init(bucket: String) {
        self.bucket = bucket
    }
}

/// Every spec of a `specs/jetstream` directory: `streams/*.json`, `consumers/*.json`, `kv/*.json`.
public struct JetStreamSpecs: Sendable, Hashable {
    /// Streams, by file name order.
    public var streams: [StreamSpec] = []
    /// Consumers, by file name order.
    public var consumers: [ConsumerSpec] = []
    /// Key-value buckets, by file name order.
    public var keyValueBuckets: [KeyValueSpec] = []

    /// Creates an empty set.
    public init() {}

    /// Reads and checks every `.json` file under `directory`'s `streams`, `consumers` and `kv` folders.
    /// - Throws: ``SpecError`` naming the file and field of the first problem: a missing, mistyped, out-of-range or
    ///   unknown field, a stray file, or a name defined twice. (Whether a consumer's stream exists is the server's
    ///   answer, at provisioning.)
    public static func load(directory: URL) throws(SpecError) -> JetStreamSpecs {
        var specs = JetStreamSpecs()
        let folders = ["streams", "consumers", "kv"]
        let known = Set(folders)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw SpecError(file: directory.path, field: "", reason: "no such directory")
        }
        if let stray = entries.sorted().first(where: { !known.contains($0) && !$0.hasPrefix(".") && !$0.hasSuffix(".md") }) {
            throw SpecError(
                file: directory.appendingPathComponent(stray).path, field: "",
                reason: "specs live in streams/, consumers/ or kv/")
        }
        for url in files(in: directory.appendingPathComponent("streams")) {
            specs.streams.append(try parseStream(try SpecFields.load(url)))
        }
        for url in files(in: directory.appendingPathComponent("kv")) {
            specs.keyValueBuckets.append(try parseKeyValue(try SpecFields.load(url)))
        }
        for url in files(in: directory.appendingPathComponent("consumers")) {
            specs.consumers.append(try parseConsumer(try SpecFields.load(url)))
        }
        try checkNamesAreUnique(specs, directory: directory)
        return specs
    }

    private static func files(in folder: URL) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0) }
    }

    private static func checkNamesAreUnique(_ specs: JetStreamSpecs, directory: URL) throws(SpecError) {
        var seen: Set<String> = []
        for name in specs.streams.map(\.name) + specs.keyValueBuckets.map({ "KV_" + $0.bucket }) where !seen.insert(name).inserted {
            throw SpecError(file: directory.path, field: "name", reason: "stream \(name) is defined twice")
        }
        var consumers: Set<String> = []
        for consumer in specs.consumers where !consumers.insert("\(consumer.stream)/\(consumer.durableName)").inserted {
            throw SpecError(
                file: directory.path, field: "config.durable_name",
                reason: "consumer \(consumer.stream)/\(consumer.durableName) is defined twice")
        }
    }

    static func parseStream(_ input: SpecFields) throws(SpecError) -> StreamSpec {
        var fields = input
        let name = try fields.requiredString("name")
        guard isValidName(name) else { throw fields.error("name", "may not contain spaces, '.', '*', '>', '/' or '\\'") }
        guard let subjects = try fields.strings("subjects"), !subjects.isEmpty else {
            throw fields.error("subjects", "required, at least one subject")
        }
        var spec = StreamSpec(name: name, subjects: subjects)
        spec.description = try fields.string("description")
        spec.retention = try fields.choice("retention", ["limits": .limits, "interest": .interest, "workqueue": .workQueue])
        spec.storage = try fields.choice("storage", ["file": .file, "memory": .memory])
        spec.discard = try fields.choice("discard", ["old": .old, "new": .new])
        spec.maxConsumers = try fields.integer("max_consumers")
        spec.maxMessages = try fields.integer("max_msgs")
        spec.maxBytes = try fields.integer("max_bytes")
        spec.maxMessagesPerSubject = try fields.integer("max_msgs_per_subject")
        spec.maxMessageSize = try fields.integer("max_msg_size")
        spec.maxAge = try fields.duration("max_age")
        spec.duplicateWindow = try fields.duration("duplicate_window")
        spec.replicas = try fields.integer("num_replicas", minimum: 1)
        spec.noAck = try fields.bool("no_ack")
        spec.denyDelete = try fields.bool("deny_delete")
        spec.denyPurge = try fields.bool("deny_purge")
        spec.allowRollup = try fields.bool("allow_rollup_hdrs")
        spec.allowDirect = try fields.bool("allow_direct")
        if let window = spec.duplicateWindow, let age = spec.maxAge, age > .zero, window > age {
            throw fields.error("duplicate_window", "may not be longer than max_age")
        }
        try fields.rejectUnknownFields()
        return spec
    }

    static func parseConsumer(_ input: SpecFields) throws(SpecError) -> ConsumerSpec {
        var fields = input
        let stream = try fields.requiredString("stream_name")
        guard var config = try fields.object("config") else { throw fields.error("config", "required, the consumer configuration") }
        try fields.rejectUnknownFields()
        let durable = try config.requiredString("durable_name")
        guard isValidName(durable) else {
            throw config.error("durable_name", "may not contain spaces, '.', '*', '>', '/' or '\\'")
        }
        if let name = try config.string("name"), name != durable {
            throw config.error("name", "must equal durable_name when both are given")
        }
        if try config.string("deliver_subject") != nil {
            throw config.error("deliver_subject", "push consumers are not supported: the gateway pulls")
        }
        var spec = ConsumerSpec(stream: stream, durableName: durable)
        spec.description = try config.string("description")
        spec.deliverPolicy = try config.choice(
            "deliver_policy",
            ["all": .all, "last": .last, "new": .new, "by_start_sequence": .byStartSequence, "last_per_subject": .lastPerSubject])
        spec.startSequence = try config.integer("opt_start_seq", minimum: 1).map { UInt64($0) }
        if spec.deliverPolicy == .byStartSequence, spec.startSequence == nil {
            throw config.error("opt_start_seq", "required by deliver_policy \"by_start_sequence\"")
        }
        spec.ackPolicy = try config.choice("ack_policy", ["explicit": .explicit, "all": .all, "none": .none])
        spec.ackWait = try config.duration("ack_wait")
        spec.maxDeliver = try config.integer("max_deliver")
        if spec.maxDeliver == 0 { throw config.error("max_deliver", "must be -1 (unlimited) or at least 1") }
        spec.backoff = try config.durations("backoff")
        if let backoff = spec.backoff, !backoff.isEmpty {
            guard let maxDeliver = spec.maxDeliver, maxDeliver > Int64(backoff.count) else {
                throw config.error("backoff", "needs max_deliver greater than its \(backoff.count) entries")
            }
        }
        spec.filterSubject = try config.string("filter_subject")
        spec.replayPolicy = try config.choice("replay_policy", ["instant": .instant, "original": .original])
        spec.maxWaiting = try config.integer("max_waiting", minimum: 1)
        spec.maxAckPending = try config.integer("max_ack_pending")
        spec.maxBatch = try config.integer("max_batch", minimum: 1)
        spec.maxExpires = try config.duration("max_expires")
        spec.replicas = try config.integer("num_replicas", minimum: 0)
        spec.headersOnly = try config.bool("headers_only")
        spec.memoryStorage = try config.bool("mem_storage")
        try config.rejectUnknownFields()
        return spec
    }

    static func parseKeyValue(_ input: SpecFields) throws(SpecError) -> KeyValueSpec {
        var fields = input
        let bucket = try fields.requiredString("bucket")
        guard bucket.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw fields.error("bucket", "only letters, digits, '-' and '_'")
        }
        var spec = KeyValueSpec(bucket: bucket)
        spec.description = try fields.string("description")
        spec.history = try fields.integer("history", minimum: 1)
        if let history = spec.history, history > 64 { throw fields.error("history", "at most 64") }
        spec.ttl = try fields.duration("ttl")
        spec.maxBytes = try fields.integer("max_bytes")
        spec.maxValueSize = try fields.integer("max_value_size")
        spec.replicas = try fields.integer("num_replicas", minimum: 1)
        spec.storage = try fields.choice("storage", ["file": .file, "memory": .memory])
        try fields.rejectUnknownFields()
        return spec
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.contains { $0 == " " || $0 == "." || $0 == "*" || $0 == ">" || $0 == "/" || $0 == "\\" || $0 == "\t" }
    }
}
