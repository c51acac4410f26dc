internal import CNATS

/// One value of a key, as stored at one revision.
public struct KeyValueEntry: Sendable, Hashable {
    /// What the revision did to the key.
    public enum Operation: Sendable, Hashable {
        /// A value was put.
        case put
        /// The key was deleted (the entry has no value).
        case delete
        /// The key's history was purged (the entry has no value).
        case purge
    }

    /// The value (empty for a delete or purge).
    public let value: [UInt8]
    /// The revision: pass it to ``KeyValueBucket/update(_:value:expectedRevision:)``.
    public let revision: UInt64
    /// What the revision did.
    public let operation: Operation
}

/// A JetStream key-value bucket: the owner of one `kvStore`.
///
/// Sendable: the handle is set once and destroyed in `deinit`; libnats' `kvStore` calls are thread-safe (they are
/// JetStream requests over the locked connection and read only immutable bucket fields).
public final class KeyValueBucket: @unchecked Sendable {
    /// The bucket's name.
    public let name: String
    let connection: NATSConnection
    private let store: OpaquePointer

    init(connection: NATSConnection, store: OpaquePointer, name: String) {
        self.connection = connection
        self.store = store
        self.name = name
    }

    deinit {
        kvStore_Destroy(store)
    }

    /// The latest value of `key`, or nil if the key does not exist or was deleted.
    /// - Throws: ``NATSError`` if the server cannot be asked or `key` is invalid.
    public func get(_ key: String) async throws(NATSError) -> KeyValueEntry? {
        let bucket = self
        return try await connection.worker.run { () throws(NATSError) -> KeyValueEntry? in
            var entry: OpaquePointer?
            let status = kvStore_Get(&entry, bucket.store, key)
            if status == NATS_NOT_FOUND { return nil }
            guard status == NATS_OK, let entry else {
                throw NATSError.fromLastError(status, operation: "kv get \(bucket.name)/\(key)")
            }
            defer { kvEntry_Destroy(entry) }
            return KeyValueEntry(entry)
        }
    }

    /// Stores `value` under `key` whatever is there.
    /// - Returns: the new revision.
    /// - Throws: ``NATSError`` if the server cannot be asked or `key` is invalid.
    @discardableResult
    public func put(_ key: String, value: [UInt8]) async throws(NATSError) -> UInt64 {
        let bucket = self
        return try await connection.worker.run { () throws(NATSError) -> UInt64 in
            var revision: UInt64 = 0
            try NATSError.check("kv put \(bucket.name)/\(key)") {
                value.withUnsafeBytes { bytes in
                    kvStore_Put(&revision, bucket.store, key, bytes.baseAddress, Int32(clamping: bytes.count))
                }
            }
            return revision
        }
    }

    /// Stores `value` under `key` only if the key has no value (never set, or deleted).
    /// - Returns: the new revision.
    /// - Throws: ``NATSError`` with ``NATSError/Code/keyExists`` if the key has a value.
    @discardableResult
    public func create(_ key: String, value: [UInt8]) async throws(NATSError) -> UInt64 {
        let bucket = self
        return try await connection.worker.run { () throws(NATSError) -> UInt64 in
            var revision: UInt64 = 0
            let status = value.withUnsafeBytes { bytes in
                kvStore_Create(&revision, bucket.store, key, bytes.baseAddress, Int32(clamping: bytes.count))
            }
            guard status == NATS_OK else {
                let error = NATSError.fromLastError(status, operation: "kv create \(bucket.name)/\(key)")
                var existing: OpaquePointer?
                if kvStore_Get(&existing, bucket.store, key) == NATS_OK, let existing {
                    let revision = kvEntry_Revision(existing)
                    kvEntry_Destroy(existing)
                    throw NATSError(
                        .keyExists, operation: error.operation, detail: "the key exists at revision \(revision)",
                        status: error.status, jetStreamErrorCode: error.jetStreamErrorCode)
                }
                throw error
            }
            return revision
        }
    }

    /// Compare-and-set: stores `value` under `key` only if the key's latest revision is `expectedRevision`.
    /// - Returns: the new revision.
    /// - Throws: ``NATSError`` with ``NATSError/Code/staleRevision`` if another write came first (read the key
    ///   again and retry), ``NATSError/Code/invalidArgument`` for revision 0 (use ``create(_:value:)``) or a bad key.
    @discardableResult
    public func update(_ key: String, value: [UInt8], expectedRevision: UInt64) async throws(NATSError) -> UInt64 {
        let operation = "kv update \(name)/\(key) at revision \(expectedRevision)"
        guard expectedRevision > 0 else {
            throw NATSError(.invalidArgument, operation: operation, detail: "revision 0 means no value: use create")
        }
        guard Self.isValidKey(key) else {
            throw NATSError(.invalidArgument, operation: operation, detail: "invalid key")
        }
        // libnats' kvStore_Update does not return the JetStream error code, so the CAS publish is made here
        // (the same request kvStore_Update sends) to tell a stale revision from any other failure.
        let subject = "$KV.\(name).\(key)"
        let connection = connection
        return try await connection.worker.run { () throws(NATSError) -> UInt64 in
            var options = jsPubOptions()
            jsPubOptions_Init(&options)
            options.ExpectLastSubjectSeq = expectedRevision
            var ack: UnsafeMutablePointer<jsPubAck>?
            var errorCode = jsErrCode(0)
            let status = value.withUnsafeBytes { bytes in
                js_Publish(
                    &ack, connection.jetStream, subject, bytes.baseAddress, Int32(clamping: bytes.count), &options,
                    &errorCode)
            }
            guard status == NATS_OK, let ack else {
                throw NATSError.fromLastError(status, operation: operation, jetStreamErrorCode: errorCode)
            }
            defer { jsPubAck_Destroy(ack) }
            return ack.pointee.Sequence
        }
    }

    /// Deletes `key` (a delete marker is stored). Deleting a missing key succeeds.
    /// - Throws: ``NATSError`` if the server cannot be asked or `key` is invalid.
    public func delete(_ key: String) async throws(NATSError) {
        let bucket = self
        try await connection.worker.run { () throws(NATSError) in
            try NATSError.check("kv delete \(bucket.name)/\(key)") { kvStore_Delete(bucket.store, key) }
        }
    }

    /// NATS key syntax: `[-/_=.a-zA-Z0-9]+`, not starting or ending with `.`.
    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.utf8.first, let last = key.utf8.last, first != UInt8(ascii: "."),
            last != UInt8(ascii: ".")
        else { return false }
        return key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "_"),
                UInt8(ascii: "="), UInt8(ascii: "."):
                true
            default: false
            }
        }
    }
}

extension KeyValueEntry {
    /// Copies a libnats entry.
    init(_ entry: OpaquePointer) {
        let length = Int(kvEntry_ValueLen(entry))
        let value: [UInt8] =
            if let bytes = kvEntry_Value(entry), length > 0 {
                Array(UnsafeRawBufferPointer(start: bytes, count: length))
            } else {
                []
            }
        let operation: Operation =
            switch kvEntry_Operation(entry) {
            case kvOp_Delete: .delete
            case kvOp_Purge: .purge
            default: .put
            }
        self.init(value: value, revision: kvEntry_Revision(entry), operation: operation)
    }
}

extension NATSConnection {
    /// Opens the existing bucket `name`.
    /// - Throws: ``NATSError`` with ``NATSError/Code/notFound`` if there is no such bucket.
    public func keyValue(_ name: String) async throws(NATSError) -> KeyValueBucket {
        let connection = self
        let handle = try await worker.run { () throws(NATSError) -> SendableHandle in
            var store: OpaquePointer?
            let status = js_KeyValue(&store, connection.jetStream, name)
            guard status == NATS_OK, let store else {
                throw NATSError.fromLastError(status, operation: "open kv bucket \(name)")
            }
            return SendableHandle(store)
        }
        return KeyValueBucket(connection: self, store: handle.pointer, name: name)
    }
}
