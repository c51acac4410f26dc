internal import CNATS

/// A message as its stream stores it, read by stream sequence (`$JS.API.STREAM.MSG.GET`) rather than through a
/// consumer: nothing is acknowledged and no consumer is created.
public struct StoredMessage: Sendable, Hashable {
    /// The stream's name.
    public let stream: String
    /// The message's sequence in the stream.
    public let sequence: UInt64
    /// The subject it was published to.
    public let subject: String
    /// Every header with all its values.
    public let headers: [String: [String]]
    /// The payload.
    public let data: [UInt8]
    /// When the stream stored it, in nanoseconds since 1970-01-01T00:00:00Z.
    public let timestampNanoseconds: Int64

    /// The first value of header `name` (case-sensitive, as NATS headers are), or nil.
    public func header(_ name: String) -> String? { headers[name]?.first }
}

extension NATSConnection {
    /// The message at `sequence` of `stream`.
    /// - Returns: nil when the stream holds no message at that sequence (never stored, deleted or expired).
    /// - Throws: ``NATSError`` with ``NATSError/Code/notFound`` when the stream does not exist, or when the request
    ///   fails.
    public func storedMessage(stream: String, sequence: UInt64) async throws(NATSError) -> StoredMessage? {
        let connection = self
        return try await worker.run { () throws(NATSError) -> StoredMessage? in
            var message: OpaquePointer?
            var errorCode = jsErrCode(0)
            let status = js_GetMsg(&message, connection.jetStream, stream, sequence, nil, &errorCode)
            defer { natsMsg_Destroy(message) }
            if errorCode == JSNoMessageFoundErr { return nil }
            guard status == NATS_OK, let message else {
                throw NATSError.fromLastError(
                    status, operation: "get message \(stream) \(sequence)", jetStreamErrorCode: errorCode)
            }
            let length = Int(natsMsg_GetDataLength(message))
            let data = natsMsg_GetData(message).map { bytes in
                Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(bytes), count: length))
            }
            return StoredMessage(
                stream: stream, sequence: sequence,
                subject: natsMsg_GetSubject(message).map { String(cString: $0) } ?? "",
                headers: allHeaders(of: message), data: data ?? [], timestampNanoseconds: natsMsg_GetTime(message))
        }
    }

    /// Removes the message at `sequence` from `stream`.
    /// - Throws: ``NATSError`` with ``NATSError/Code/notFound`` when there is no such message or stream.
    public func deleteMessage(stream: String, sequence: UInt64) async throws(NATSError) {
        let connection = self
        try await worker.run { () throws(NATSError) in
            var errorCode = jsErrCode(0)
            let status = js_DeleteMsg(connection.jetStream, stream, sequence, nil, &errorCode)
            guard status == NATS_OK else {
                throw NATSError.fromLastError(
                    status, operation: "delete message \(stream) \(sequence)", jetStreamErrorCode: errorCode)
            }
        }
    }
}
