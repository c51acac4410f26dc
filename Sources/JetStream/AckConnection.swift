internal import CNATS

/// The second connection that acks go out on when ``ConnectionOptions/coalescesAcks`` is set: without libnats'
/// `SendAsap`, its flusher sends what accumulated about every millisecond, so a batch's acks share one write instead
/// of one write (and one TCP segment for the server to read) each.
///
/// Sendable: libnats' connection calls are thread-safe, and the handle is destroyed only in `deinit`, after the
/// last message holding this object let it go.
final class AckConnection: @unchecked Sendable {
    private let handle: OpaquePointer

    /// Connects to the servers of `options`, with their credentials and TLS.
    init(_ options: ConnectionOptions) throws(NATSError) {
        var natsOptions: OpaquePointer?
        try NATSError.check("connect acks: create options") { natsOptions_Create(&natsOptions) }
        guard let natsOptions else {
            throw NATSError(
                .operationFailed, operation: "connect acks", detail: "natsOptions_Create returned no options")
        }
        defer { natsOptions_Destroy(natsOptions) }
        var named = options
        named.name = options.name.map { "\($0)-acks" }
        try NATSConnection.configure(natsOptions, from: named, sendsAtOnce: false)
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, natsOptions)
        guard status == NATS_OK, let connection else {
            throw NATSError.fromLastError(status, operation: "connect acks to \(NATSConnection.redacted(options.urls))")
        }
        handle = connection
    }

    deinit {
        natsConnection_Destroy(handle)
    }

    /// Queues the ack of the message whose reply subject is `reply`; it is sent with the next flush.
    func ack(reply: UnsafePointer<CChar>) -> natsStatus {
        natsConnection_PublishString(handle, reply, "+ACK")
    }

    /// Sends the acks still buffered (waiting up to `timeout` for the server to have read them), then closes.
    /// Blocks: call it off the cooperative pool.
    func close(flushingFor timeout: Duration) {
        _ = natsConnection_FlushTimeout(handle, timeout.milliseconds(minimum: 1))
        natsConnection_Close(handle)
    }
}
