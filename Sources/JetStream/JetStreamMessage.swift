internal import CNATS
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a message stands in its stream and consumer.
public struct MessageMetadata: Sendable, Hashable {
    /// The stream's name.
    public let stream: String
    /// The consumer's name.
    public let consumer: String
    /// Sequence of the message in the stream (stable across redeliveries).
    public let streamSequence: UInt64
    /// Sequence of this delivery in the consumer (grows with every delivery, redeliveries included).
    public let consumerSequence: UInt64
    /// How many times the message has been delivered, this delivery included (1 the first time).
    public let deliveries: UInt64
    /// Messages left in the consumer after this one.
    public let pending: UInt64
    /// When the stream stored the message, in nanoseconds since 1970-01-01T00:00:00Z.
    public let timestampNanoseconds: Int64
}

/// One message delivered by a pull consumer: the owner of one `natsMsg`, destroyed with the value.
///
/// Give every message exactly one disposition: ``ack()``, ``nak(delay:)`` or ``term()``; ``inProgress()``
/// may come before it, as often as needed, to hold off redelivery while work is slow. A message given
/// no disposition is redelivered after the consumer's `ack_wait`.
///
/// Sendable: the `natsMsg` is owned by this object alone (its slot in libnats' batch list was cleared), its
/// subject and payload never change after delivery, and every libnats call that mutates it (the acks set
/// a flag; reading headers parses them lazily) runs under `lock`.
public final class JetStreamMessage: @unchecked Sendable {
    private let message: OpaquePointer
    private let lock = Mutex<Disposition>(.none)
    /// ``metadata()``, once parsed: it never changes for a delivered message.
    private let parsedMetadata = Mutex<MessageMetadata?>(nil)
    private let maximumDeliveries: Int64
    /// The owner of the subscription the message came from: libnats' acks read the subscription through the
    /// message (`msg->sub`) without holding it, so it must outlive every message it delivered.
    private let consumer: PullConsumer

    private enum Disposition {
        case none, acked, naked, terminated
    }

    /// Takes ownership of `message`, delivered by `consumer`'s subscription.
    init(taking message: OpaquePointer, from consumer: PullConsumer) {
        self.message = message
        self.maximumDeliveries = consumer.maximumDeliveries
        self.consumer = consumer
    }

    deinit {
        natsMsg_Destroy(message)
    }

    /// The subject the message was published to.
    public var subject: String {
        natsMsg_GetSubject(message).map { String(cString: $0) } ?? ""
    }

    /// The payload's length in bytes.
    public var count: Int {
        Int(natsMsg_GetDataLength(message))
    }

    /// Calls `body` with the payload in place, without copying it; the buffer is valid only inside `body`.
    @inlinable
    public func withData<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result)
        throws(Failure) -> Result
    {
        try withExtendedLifetime(self) { () throws(Failure) -> Result in try body(payload) }
    }

    /// The payload in libnats' buffer: valid while this object lives.
    @usableFromInline
    var payload: UnsafeRawBufferPointer {
        let length = Int(natsMsg_GetDataLength(message))
        guard let bytes = natsMsg_GetData(message), length > 0 else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(bytes), count: length)
    }

    /// A copy of the payload; use ``withData(_:)`` to read it without copying.
    public var data: [UInt8] {
        withData { Array($0) }
    }

    /// The first value of header `name` (case-sensitive, as NATS headers are), or nil.
    public func header(_ name: String) -> String? {
        lock.withLock { _ in
            var value: UnsafePointer<CChar>? = nil
            guard natsMsgHeader_Get(message, name, &value) == NATS_OK, let value else { return nil }
            return String(cString: value)
        }
    }

    /// Every header with all its values; empty when the message has none.
    public var headers: [String: [String]] {
        lock.withLock { _ in allHeaders(of: message) }
    }

    /// The stream and consumer sequences, delivery count and timestamp, parsed from the reply subject on first use.
    /// - Throws: ``NATSError`` if the message did not come from a JetStream consumer.
    public func metadata() throws(NATSError) -> MessageMetadata {
        if let parsed = parsedMetadata.withLock({ $0 }) { return parsed }
        let parsed = try parseMetadata()
        parsedMetadata.withLock { $0 = parsed }
        return parsed
    }

    private func parseMetadata() throws(NATSError) -> MessageMetadata {
        try lock.withLock { _ throws(NATSError) in
            var meta: UnsafeMutablePointer<jsMsgMetaData>? = nil
            try NATSError.check("message metadata") { natsMsg_GetMetaData(&meta, message) }
            guard let meta else {
                throw NATSError(.operationFailed, operation: "message metadata", detail: "libnats returned no metadata")
            }
            defer { jsMsgMetaData_Destroy(meta) }
            let value = meta.pointee
            return MessageMetadata(
                stream: value.Stream.map { String(cString: $0) } ?? "",
                consumer: value.Consumer.map { String(cString: $0) } ?? "",
                streamSequence: value.Sequence.Stream, consumerSequence: value.Sequence.Consumer,
                deliveries: value.NumDelivered, pending: value.NumPending, timestampNanoseconds: value.Timestamp)
        }
    }

    /// True when this is the consumer's last delivery of the message (`deliveries == max_deliver`): a message
    /// not acked now will never be delivered again, so a caller should dead-letter it before giving up.
    /// Always false when the consumer delivers without limit.
    public var isLastDelivery: Bool {
        guard maximumDeliveries > 0, let meta = try? metadata() else { return false }
        return meta.deliveries >= UInt64(maximumDeliveries)
    }

    /// Acknowledges the message: it is done and will not be delivered again. Does not wait for the server (with
    /// ``ConnectionOptions/coalescesAcks``, the ack is sent with the others of the next millisecond).
    /// - Throws: ``NATSError`` if the connection is closed or the message already had a disposition.
    public func ack() throws(NATSError) {
        guard let acks = consumer.connection.acks else {
            try settle(.acked, "ack") { natsMsg_Ack(message, nil) }
            return
        }
        try settle(.acked, "ack") {
            guard let reply = natsMsg_GetReply(message) else { return NATS_ILLEGAL_STATE }
            return acks.ack(reply: reply)
        }
    }

    /// Negatively acknowledges the message: the server redelivers it after `delay` (at once when nil),
    /// counting a delivery toward `max_deliver`.
    /// - Throws: ``NATSError`` if the connection is closed or the message already had a disposition.
    public func nak(delay: Duration? = nil) throws(NATSError) {
        if let delay {
            try settle(.naked, "nak") { natsMsg_NakWithDelay(message, delay.milliseconds(minimum: 1), nil) }
        } else {
            try settle(.naked, "nak") { natsMsg_Nak(message, nil) }
        }
    }

    /// Terminates the message: it is never delivered again, whatever `max_deliver` says.
    /// - Throws: ``NATSError`` if the connection is closed or the message already had a disposition.
    public func term() throws(NATSError) {
        try settle(.terminated, "term") { natsMsg_Term(message, nil) }
    }

    /// Tells the server work is still going on: the `ack_wait` clock starts again. May be sent repeatedly.
    /// - Throws: ``NATSError`` if the connection is closed or the message already had a disposition.
    public func inProgress() throws(NATSError) {
        try lock.withLock { disposition throws(NATSError) in
            try requireNoDisposition(disposition, "in progress")
            try NATSError.check("in progress \(subject)") { natsMsg_InProgress(message, nil) }
        }
    }

    private func settle(_ outcome: Disposition, _ operation: String, _ call: () -> natsStatus) throws(NATSError) {
        try lock.withLock { disposition throws(NATSError) in
            try requireNoDisposition(disposition, operation)
            try NATSError.check("\(operation) \(subject)") { call() }
            disposition = outcome
        }
    }

    private func requireNoDisposition(_ disposition: Disposition, _ operation: String) throws(NATSError) {
        guard case .none = disposition else {
            throw NATSError(
                .invalidArgument, operation: "\(operation) \(subject)",
                detail: "the message was already given a disposition (\(disposition))")
        }
    }
}

/// Every header of `message` with all its values; empty when it has none. Parses the headers on first use: call it
/// where nothing else touches the message.
func allHeaders(of message: OpaquePointer) -> [String: [String]] {
    var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>? = nil
    var keyCount: Int32 = 0
    guard natsMsgHeader_Keys(message, &keys, &keyCount) == NATS_OK, let keys else { return [:] }
    defer { free(keys) }
    var result: [String: [String]] = [:]
    for index in 0..<Int(keyCount) {
        guard let key = keys[index] else { continue }
        var values: UnsafeMutablePointer<UnsafePointer<CChar>?>? = nil
        var valueCount: Int32 = 0
        guard natsMsgHeader_Values(message, key, &values, &valueCount) == NATS_OK, let values else { continue }
        defer { free(values) }
        result[String(cString: key)] = (0..<Int(valueCount)).compactMap { values[$0].map { String(cString: $0) } }
    }
    return result
}
