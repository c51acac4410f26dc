internal import CCurl
import Synchronization

/// A response whose body arrives while the exchange runs: a watch, a log follow, a server-sent stream.
public struct HTTPStreamingResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Header fields of the final response, in order; names lower-cased.
    public var headers: [(name: String, value: String)]
    /// The body as it arrives, in chunks of whatever size libcurl hands over. It ends when the server ends the
    /// response, and throws ``HTTPTransportError`` when the exchange fails. Cancelling the task that iterates, or
    /// letting go of the stream and its iterators, ends the exchange and closes its connection.
    public var body: AsyncThrowingStream<[UInt8], any Error>

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }
}

extension HTTPClient {
    /// Sends `request` and returns as soon as the response's header fields have arrived; the body follows in
    /// ``HTTPStreamingResponse/body``. Any status is a response. The request's timeout (or the client's
    /// ``Configuration/requestTimeout``) bounds the whole exchange, body included: give a long-lived stream a
    /// timeout of its own.
    ///
    /// libcurl stays on the client's thread; its callbacks hand the chunks over through the stream's continuation
    /// only. The body is buffered without bound until read, so read it as it comes.
    /// - Throws: ``HTTPTransportError`` when no response arrives, or `cancelled` when the calling task is cancelled
    ///   first.
    public func stream(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPStreamingResponse {
        let engine = self.engine
        let handle = Mutex<(transfer: StreamingTransfer?, isCancelled: Bool)>((nil, false))
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let transfer = StreamingTransfer(request: request, head: continuation, engine: engine)
                let isCancelled = handle.withLock { handle in
                    handle.transfer = transfer
                    return handle.isCancelled
                }
                engine.submit(transfer)
                if isCancelled { engine.cancel(transfer) }
            }
        } onCancel: {
            let transfer = handle.withLock { handle in
                handle.isCancelled = true
                return handle.transfer
            }
            if let transfer { engine.cancel(transfer) }
        }
        return try result.get()
    }
}

/// An exchange whose body is streamed: the head resumes the caller at the end of the final header block, then each
/// chunk is yielded to the body stream; the end of the exchange finishes the stream.
///
/// `@unchecked Sendable` as ``Transfer``: after submission only the engine's thread touches its state; the body
/// stream's continuation is itself `Sendable`, and the termination handler only asks the engine to cancel.
final class StreamingTransfer: Transfer, @unchecked Sendable {
    private var head: CheckedContinuation<Result<HTTPStreamingResponse, HTTPTransportError>, Never>?
    /// The body stream until the head hands it to the caller; not kept after, so that when the caller lets go of it
    /// the stream terminates and cancels the exchange.
    private var chunks: AsyncThrowingStream<[UInt8], any Error>?
    private let sink: AsyncThrowingStream<[UInt8], any Error>.Continuation

    init(
        request: HTTPRequest, head: CheckedContinuation<Result<HTTPStreamingResponse, HTTPTransportError>, Never>,
        engine: CurlEngine
    ) {
        self.head = head
        let (chunks, sink) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        self.chunks = chunks
        self.sink = sink
        super.init(request: request, continuation: nil)
        // The consumer stopped reading (or the stream finished): end the exchange if it is still running.
        sink.onTermination = { [weak self] _ in
            if let self { engine.cancel(self) }
        }
    }

    override func headersEnded() {
        guard let easy, head != nil else { return }
        var status = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        // An interim response (100 Continue) is followed by the final one.
        guard status >= 200 else { return }
        resumeHead(status: status)
    }

    override func receive(_ bytes: UnsafeRawBufferPointer) {
        sink.yield(Array(bytes))
    }

    override func finish(_ result: Result<HTTPResponse, HTTPTransportError>) {
        switch result {
        case .success(let response):
            resumeHead(status: response.status)
            sink.finish()
        case .failure(let error):
            if let head {
                (self.head, chunks) = (nil, nil)
                head.resume(returning: .failure(error))
            }
            sink.finish(throwing: error)
        }
    }

    private func resumeHead(status: Int) {
        guard let head, let chunks else { return }
        (self.head, self.chunks) = (nil, nil)
        head.resume(returning: .success(HTTPStreamingResponse(status: status, headers: headers, body: chunks)))
    }
}
