public import ConfigReader
public import Foundation
public import JetStream

extension JetStreamSpecs {
    /// Reads and checks every `.json` file under `directory`'s `streams`, `consumers` and `kv` folders, with the reader
    /// of every configuration file: each problem at its `file:line:col`, an unknown field named with the field it is
    /// probably a typo of, durations as nanoseconds (the server's JSON) or Go durations (`"30s"`, `"1m30s"`).
    /// - Throws: ``ConfigurationError`` with every problem: a missing, mistyped, out-of-range or unknown field, a
    ///   stray file, or a name defined twice. (Whether a consumer's stream exists is the server's answer, at
    ///   provisioning.)
    public static func load(directory: URL) throws(ConfigurationError) -> JetStreamSpecs {
        let folders = ["streams", "consumers", "kv"]
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw ConfigurationError(file: directory.path, "no such directory")
        }
        var diagnostics = Diagnostics()
        for stray in entries.sorted() where !folders.contains(stray) && !stray.hasPrefix(".") && !stray.hasSuffix(".md")
        {
            diagnostics.error(
                "specs live in streams/, consumers/ or kv/",
                at: SourceLocation(file: directory.appendingPathComponent(stray).path, line: 1, column: 1), path: "")
        }
        var specs = JetStreamSpecs()
        for document in try documents(in: directory.appendingPathComponent("streams")) {
            if let stream = SpecDecoder.stream(document, diagnostics: &diagnostics) { specs.streams.append(stream) }
        }
        for document in try documents(in: directory.appendingPathComponent("kv")) {
            if let bucket = SpecDecoder.keyValue(document, diagnostics: &diagnostics) {
                specs.keyValueBuckets.append(bucket)
            }
        }
        for document in try documents(in: directory.appendingPathComponent("consumers")) {
            if let consumer = SpecDecoder.consumer(document, diagnostics: &diagnostics) {
                specs.consumers.append(consumer)
            }
        }
        checkNamesAreUnique(specs, directory: directory, diagnostics: &diagnostics)
        try diagnostics.throwIfErrors()
        return specs
    }

    /// The parsed `*.json` files of `folder`, by name; none when the folder is absent.
    private static func documents(in folder: URL) throws(ConfigurationError) -> [YAMLTree] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var documents: [YAMLTree] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = folder.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(file: path, "cannot read the file")
            }
            let parsed = try YAMLTree.documents(of: String(decoding: data, as: UTF8.self), file: path)
            guard parsed.count == 1, let document = parsed.first else {
                throw ConfigurationError(file: path, "expected one JSON object")
            }
            documents.append(document)
        }
        return documents
    }

    private static func checkNamesAreUnique(_ specs: JetStreamSpecs, directory: URL, diagnostics: inout Diagnostics) {
        let place = SourceLocation(file: directory.path, line: 0, column: 0)
        var seen: Set<String> = []
        for name in specs.streams.map(\.name) + specs.keyValueBuckets.map({ "KV_" + $0.bucket })
        where !seen.insert(name).inserted {
            diagnostics.error("stream \(name) is defined twice", at: place, path: "name")
        }
        var consumers: Set<String> = []
        for consumer in specs.consumers where !consumers.insert("\(consumer.stream)/\(consumer.durableName)").inserted {
            diagnostics.error(
                "consumer \(consumer.stream)/\(consumer.durableName) is defined twice", at: place,
                path: "config.durable_name")
        }
    }
}

/// Decodes one spec file's object into JetStream's plain spec types.
private enum SpecDecoder {
    static func stream(_ document: YAMLTree, diagnostics: inout Diagnostics) -> StreamSpec? {
        guard var fields = FieldReader(document, path: "", diagnostics: &diagnostics) else { return nil }
        defer { fields.finish(diagnostics: &diagnostics, label: "unknown field") }
        let name = fields.name("name", diagnostics: &diagnostics)
        let subjects = fields.strings("subjects", diagnostics: &diagnostics)
        if subjects?.isEmpty ?? (fields.node["subjects"]?.isNull ?? true) {
            fields.fail("subjects", "is required, at least one subject", diagnostics: &diagnostics)
        }
        var spec = StreamSpec(name: name ?? "", subjects: subjects ?? [])
        spec.description = fields.string("description", diagnostics: &diagnostics)
        spec.retention = fields.choice(
            "retention", ["limits": .limits, "interest": .interest, "workqueue": .workQueue], diagnostics: &diagnostics)
        spec.storage = fields.choice("storage", ["file": .file, "memory": .memory], diagnostics: &diagnostics)
        spec.discard = fields.choice("discard", ["old": .old, "new": .new], diagnostics: &diagnostics)
        spec.maxConsumers = fields.integer("max_consumers", minimum: -1, diagnostics: &diagnostics)
        spec.maxMessages = fields.integer("max_msgs", minimum: -1, diagnostics: &diagnostics)
        spec.maxBytes = fields.integer("max_bytes", minimum: -1, diagnostics: &diagnostics)
        spec.maxMessagesPerSubject = fields.integer("max_msgs_per_subject", minimum: -1, diagnostics: &diagnostics)
        spec.maxMessageSize = fields.integer("max_msg_size", minimum: -1, diagnostics: &diagnostics)
        spec.maxAge = fields.duration("max_age", bareNumber: .nanoseconds, diagnostics: &diagnostics)
        spec.duplicateWindow = fields.duration("duplicate_window", bareNumber: .nanoseconds, diagnostics: &diagnostics)
        spec.replicas = fields.integer("num_replicas", minimum: 1, diagnostics: &diagnostics)
        spec.noAck = fields.bool("no_ack", diagnostics: &diagnostics)
        spec.denyDelete = fields.bool("deny_delete", diagnostics: &diagnostics)
        spec.denyPurge = fields.bool("deny_purge", diagnostics: &diagnostics)
        spec.allowRollup = fields.bool("allow_rollup_hdrs", diagnostics: &diagnostics)
        spec.allowDirect = fields.bool("allow_direct", diagnostics: &diagnostics)
        if let window = spec.duplicateWindow, let age = spec.maxAge, age > .zero, window > age {
            fields.fail("duplicate_window", "may not be longer than max_age", diagnostics: &diagnostics)
        }
        return name == nil || subjects?.isEmpty ?? true ? nil : spec
    }

    static func consumer(_ document: YAMLTree, diagnostics: inout Diagnostics) -> ConsumerSpec? {
        guard var fields = FieldReader(document, path: "", diagnostics: &diagnostics) else { return nil }
        let stream = fields.name("stream_name", validating: false, diagnostics: &diagnostics)
        let config = fields.mapping("config", diagnostics: &diagnostics)
        if config == nil, fields.node["config"] == nil {
            fields.fail("config", "is required, the consumer configuration", diagnostics: &diagnostics)
        }
        fields.finish(diagnostics: &diagnostics, label: "unknown field")
        guard let stream, var config else { return nil }
        defer { config.finish(diagnostics: &diagnostics, label: "unknown field") }
        guard let durable = config.name("durable_name", diagnostics: &diagnostics) else { return nil }
        if let name = config.string("name", diagnostics: &diagnostics), name != durable {
            config.fail("name", "must equal durable_name when both are given", diagnostics: &diagnostics)
        }
        if config.string("deliver_subject", diagnostics: &diagnostics) != nil {
            config.fail(
                "deliver_subject", "push consumers are not supported: the gateway pulls", diagnostics: &diagnostics)
        }
        var spec = ConsumerSpec(stream: stream, durableName: durable)
        spec.description = config.string("description", diagnostics: &diagnostics)
        spec.deliverPolicy = config.choice(
            "deliver_policy",
            [
                "all": .all, "last": .last, "new": .new, "by_start_sequence": .byStartSequence,
                "last_per_subject": .lastPerSubject,
            ], diagnostics: &diagnostics)
        spec.startSequence = config.integer("opt_start_seq", minimum: 1, diagnostics: &diagnostics).map { UInt64($0) }
        if spec.deliverPolicy == .byStartSequence, spec.startSequence == nil {
            config.fail(
                "opt_start_seq", "is required by deliver_policy \"by_start_sequence\"", diagnostics: &diagnostics)
        }
        spec.ackPolicy = config.choice(
            "ack_policy", ["explicit": .explicit, "all": .all, "none": .none], diagnostics: &diagnostics)
        spec.ackWait = config.duration("ack_wait", bareNumber: .nanoseconds, diagnostics: &diagnostics)
        spec.maxDeliver = config.integer("max_deliver", minimum: -1, diagnostics: &diagnostics)
        if spec.maxDeliver == 0 {
            config.fail("max_deliver", "must be -1 (unlimited) or at least 1", diagnostics: &diagnostics)
        }
        spec.backoff = config.durations("backoff", diagnostics: &diagnostics)
        if let backoff = spec.backoff, !backoff.isEmpty, (spec.maxDeliver ?? 0) <= Int64(backoff.count) {
            config.fail(
                "backoff", "needs max_deliver greater than its \(backoff.count) entries", diagnostics: &diagnostics)
        }
        spec.filterSubject = config.string("filter_subject", diagnostics: &diagnostics)
        spec.replayPolicy = config.choice(
            "replay_policy", ["instant": .instant, "original": .original], diagnostics: &diagnostics)
        spec.maxWaiting = config.integer("max_waiting", minimum: 1, diagnostics: &diagnostics)
        spec.maxAckPending = config.integer("max_ack_pending", minimum: -1, diagnostics: &diagnostics)
        spec.maxBatch = config.integer("max_batch", minimum: 1, diagnostics: &diagnostics)
        spec.maxExpires = config.duration("max_expires", bareNumber: .nanoseconds, diagnostics: &diagnostics)
        spec.replicas = config.integer("num_replicas", minimum: 0, diagnostics: &diagnostics)
        spec.headersOnly = config.bool("headers_only", diagnostics: &diagnostics)
        spec.memoryStorage = config.bool("mem_storage", diagnostics: &diagnostics)
        return spec
    }

    static func keyValue(_ document: YAMLTree, diagnostics: inout Diagnostics) -> KeyValueSpec? {
        guard var fields = FieldReader(document, path: "", diagnostics: &diagnostics) else { return nil }
        defer { fields.finish(diagnostics: &diagnostics, label: "unknown field") }
        let bucket = fields.string("bucket", required: true, diagnostics: &diagnostics)
        if let bucket, !bucket.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            fields.fail("bucket", "only letters, digits, '-' and '_'", diagnostics: &diagnostics)
        }
        var spec = KeyValueSpec(bucket: bucket ?? "")
        spec.description = fields.string("description", diagnostics: &diagnostics)
        spec.history = fields.integer("history", minimum: 1, diagnostics: &diagnostics)
        if let history = spec.history, history > 64 { fields.fail("history", "at most 64", diagnostics: &diagnostics) }
        spec.ttl = fields.duration("ttl", bareNumber: .nanoseconds, diagnostics: &diagnostics)
        spec.maxBytes = fields.integer("max_bytes", minimum: -1, diagnostics: &diagnostics)
        spec.maxValueSize = fields.integer("max_value_size", minimum: -1, diagnostics: &diagnostics)
        spec.replicas = fields.integer("num_replicas", minimum: 1, diagnostics: &diagnostics)
        spec.storage = fields.choice("storage", ["file": .file, "memory": .memory], diagnostics: &diagnostics)
        return bucket == nil ? nil : spec
    }
}

extension FieldReader {
    /// An error about `key`, where it is written.
    fileprivate func fail(_ key: String, _ reason: String, diagnostics: inout Diagnostics) {
        diagnostics.error("\(childPath(key)) \(reason)", at: location(of: key), path: childPath(key))
    }

    /// A required stream, consumer or durable name; `validating` rejects the characters subjects reserve.
    fileprivate mutating func name(_ key: String, validating: Bool = true, diagnostics: inout Diagnostics) -> String? {
        guard let name = string(key, required: true, diagnostics: &diagnostics) else { return nil }
        let reserved: Set<Character> = [" ", ".", "*", ">", "/", "\\", "\t"]
        if validating, name.contains(where: reserved.contains) {
            fail(key, "may not contain spaces, '.', '*', '>', '/' or '\\'", diagnostics: &diagnostics)
            return nil
        }
        return name
    }

    /// A list of non-empty strings.
    fileprivate mutating func strings(_ key: String, diagnostics: inout Diagnostics) -> [String]? {
        guard let elements = list(key, diagnostics: &diagnostics) else { return nil }
        var strings: [String] = []
        for (element, path) in elements {
            guard let text = element.scalarText, !text.isEmpty else {
                diagnostics.error("\(path) must be a non-empty string", at: element, path: path)
                return nil
            }
            strings.append(text)
        }
        return strings
    }

    /// An integer of at least `minimum`.
    fileprivate mutating func integer(_ key: String, minimum: Int64, diagnostics: inout Diagnostics) -> Int64? {
        guard let number = integer(key, diagnostics: &diagnostics) else { return nil }
        guard number >= minimum else {
            fail(key, "must be at least \(minimum), found \(number)", diagnostics: &diagnostics)
            return nil
        }
        return number
    }

    /// A list of durations.
    fileprivate mutating func durations(_ key: String, diagnostics: inout Diagnostics) -> [Duration]? {
        guard let elements = list(key, diagnostics: &diagnostics) else { return nil }
        var durations: [Duration] = []
        for (element, path) in elements {
            guard
                let duration = FieldReader.duration(
                    element, path: path, bareNumber: .nanoseconds, diagnostics: &diagnostics)
            else { return nil }
            durations.append(duration)
        }
        return durations
    }

    /// One of `choices` (the server's lowercase names).
    fileprivate mutating func choice<Value>(
        _ key: String, _ choices: KeyValuePairs<String, Value>, diagnostics: inout Diagnostics
    ) -> Value? {
        guard let text = string(key, diagnostics: &diagnostics) else { return nil }
        guard let match = choices.first(where: { $0.key == text }) else {
            let names = choices.map { "\"\($0.key)\"" }.joined(separator: ", ")
            fail(key, "must be one of \(names), found \"\(text)\"", diagnostics: &diagnostics)
            return nil
        }
        return match.value
    }
}
