internal import CNATS
import Synchronization

/// A message to publish to a JetStream stream.
public struct OutgoingMessage: Sendable, Hashable {
    /// The subject; a stream must capture it.
    public var subject: String
    /// The payload.
    public var data: [UInt8]
    /// Headers, each with one value.
    public var headers: [String: String]
    /// Sent as `Nats-Msg-Id`: the stream stores a message with an id it has seen within its `duplicate_window`
    /// only once, so a retried publish is never stored twice.
    public var messageID: String?

    /// Creates a message.
    public init(subject: String, data: [UInt8], headers: [String: String] = [:], messageID: String? = nil) {
        self.subject = subject
        self.data = data
        self.headers = headers
        self.messageID = messageID
    }
}

/// The stream's acknowledgement of a stored message.
public struct PublishAck: Sendable, Hashable {
    /// The stream that stored the message.
    public let stream: String
    /// Its sequence in the stream.
    public let sequence: UInt64
    /// True when the stream had already stored a message with the same `Nats-Msg-Id` (and did not store it again).
    public let isDuplicate: Bool
}

/// What became of an asynchronous batch publish.
public struct BatchPublishResult: Sendable {
    /// A message the stream did not acknowledge.
    public struct Failure: Sendable {
        /// The message's subject.
        public let subject: String
        /// The message's `Nats-Msg-Id`, if it had one: with it, publishing the message again is safe.
        public let messageID: String?
        /// Why it failed (a timeout when no acknowledgement came in time).
        public let error: NATSError
    }

    /// Messages acknowledged by the stream.
    public let acknowledged: Int
    /// Messages not acknowledged, in no particular order.
    public let failures: [Failure]
}

/// Collects the failures libnats reports for asynchronous publishes; batches run one at a time, so what it holds
/// between the start and the end of a batch belongs to that batch.
final class PublishFailureSink: Sendable {
    private let failures = Mutex<[BatchPublishResult.Failure]>([])

    func record(_ failure: BatchPublishResult.Failure) {
        failures.withLock { $0.append(failure) }
    }

    func take() -> [BatchPublishResult.Failure] {
        failures.withLock { failures in
            defer { failures = [] }
            return failures
        }
    }
}

/// libnats' asynchronous publish error callback: runs on a libnats thread and only records into the sink.
let publishFailureTrampoline: jsPubAckErrHandler = { _, failure, closure in
    guard let closure, let failure else { return }
    let sink = Unmanaged<PublishFailureSink>.fromOpaque(closure).takeUnretainedValue()
    let value = failure.pointee
    let text = value.ErrText.map { String(cString: $0) } ?? String(cString: natsStatus_GetText(value.Err))
    let error = NATSError(
        value.ErrCode == JSStreamWrongLastSequenceErr
            ? .staleRevision : (value.ErrCode.rawValue != 0 ? .jetStreamAPI : .operationFailed),
        operation: "publish", detail: text, status: String(cString: natsStatus_GetText(value.Err)),
        jetStreamErrorCode: Int(value.ErrCode.rawValue))
    sink.record(describeFailure(of: value.Msg, error: error))
}

/// The subject and message id of `message`, for a failure report.
func describeFailure(of message: OpaquePointer?, error: NATSError) -> BatchPublishResult.Failure {
    guard let message else { return BatchPublishResult.Failure(subject: "", messageID: nil, error: error) }
    var messageID: UnsafePointer<CChar>? = nil
    let hasID = natsMsgHeader_Get(message, "Nats-Msg-Id", &messageID) == NATS_OK
    return BatchPublishResult.Failure(
        subject: natsMsg_GetSubject(message).map { String(cString: $0) } ?? "",
        messageID: hasID ? messageID.map { String(cString: $0) } : nil, error: error)
}

extension NATSConnection {
    /// Publishes `message` and waits for the stream to store it.
    /// - Throws: ``NATSError``: ``NATSError/Code/timeout`` when no stream answered within the request timeout (no
    ///   stream captures the subject, or the server is unreachable), or the stream's error.
    public func publish(_ message: OutgoingMessage) async throws(NATSError) -> PublishAck {
        let connection = self
        return try await worker.run { () throws(NATSError) -> PublishAck in
            let natsMessage = try makeMessage(message)
            defer { natsMsg_Destroy(natsMessage) }
            var ack: UnsafeMutablePointer<jsPubAck>?
            var errorCode = jsErrCode(0)
            let status = js_PublishMsg(&ack, connection.jetStream, natsMessage, nil, &errorCode)
            guard status == NATS_OK, let ack else {
                throw NATSError.fromLastError(
                    status, operation: "publish \(message.subject)", jetStreamErrorCode: errorCode)
            }
            defer { jsPubAck_Destroy(ack) }
            return PublishAck(
                stream: ack.pointee.Stream.map { String(cString: $0) } ?? "", sequence: ack.pointee.Sequence,
                isDuplicate: ack.pointee.Duplicate)
        }
    }

    /// Publishes `messages` without waiting for each acknowledgement, then waits up to `timeout` for all of them.
    ///
    /// Messages are sent in order; failures do not stop the batch. Batches from several tasks run one after the
    /// other.
    /// - Throws: ``NATSError`` only if the batch could not be started (e.g. the connection is closed); a message
    ///   that fails is reported in ``BatchPublishResult/failures``.
    public func publishBatch(_ messages: [OutgoingMessage], timeout: Duration = .seconds(10)) async throws(NATSError)
        -> BatchPublishResult
    {
        let connection = self
        let sink = publishFailures
        return try await publishWorker.run { () throws(NATSError) -> BatchPublishResult in
            _ = sink.take()
            var failures: [BatchPublishResult.Failure] = []
            for message in messages {
                do throws(NATSError) {
                    var natsMessage: OpaquePointer? = try makeMessage(message)
                    let status = js_PublishMsgAsync(connection.jetStream, &natsMessage, nil)
                    if status != NATS_OK {
                        let error = NATSError.fromLastError(status, operation: "publish \(message.subject)")
                        natsMsg_Destroy(natsMessage)
                        if error.code == .connectionClosed { throw error }
                        failures.append(.init(subject: message.subject, messageID: message.messageID, error: error))
                    }
                } catch  where error.code == .invalidArgument {
                    failures.append(.init(subject: message.subject, messageID: message.messageID, error: error))
                }
            }
            var options = jsPubOptions()
            jsPubOptions_Init(&options)
            options.MaxWait = timeout.milliseconds(minimum: 1)
            let status = js_PublishAsyncComplete(connection.jetStream, &options)
            if status != NATS_OK {
                let error = NATSError.fromLastError(status, operation: "publish batch")
                var pending = natsMsgList()
                if js_PublishAsyncGetPendingList(&pending, connection.jetStream) == NATS_OK {
                    for index in 0..<Int(pending.Count) {
                        failures.append(describeFailure(of: pending.Msgs[index], error: error))
                    }
                    natsMsgList_Destroy(&pending)
                }
            }
            failures += sink.take()
            return BatchPublishResult(acknowledged: messages.count - failures.count, failures: failures)
        }
    }
}

/// A new `natsMsg` holding a copy of `message`; the caller destroys it (or hands it to libnats).
private func makeMessage(_ message: OutgoingMessage) throws(NATSError) -> OpaquePointer {
    var natsMessage: OpaquePointer?
    let status = message.data.withUnsafeBufferPointer { data in
        data.withMemoryRebound(to: CChar.self) { bytes in
            natsMsg_Create(&natsMessage, message.subject, nil, bytes.baseAddress, Int32(bytes.count))
        }
    }
    guard status == NATS_OK, let natsMessage else {
        throw NATSError.fromLastError(status, operation: "publish \(message.subject)")
    }
    do throws(NATSError) {
        for (name, value) in message.headers {
            try NATSError.check("publish \(message.subject): header \(name)") {
                natsMsgHeader_Set(natsMessage, name, value)
            }
        }
        if let id = message.messageID {
            try NATSError.check("publish \(message.subject): Nats-Msg-Id") {
                natsMsgHeader_Set(natsMessage, "Nats-Msg-Id", id)
            }
        }
    } catch {
        natsMsg_Destroy(natsMessage)
        throw error
    }
    return natsMessage
}
