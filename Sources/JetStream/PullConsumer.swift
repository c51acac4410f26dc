internal import CNATS

/// What a consumer has delivered and what is outstanding, as the server reports it.
public struct ConsumerInfo: Sendable, Hashable {
    /// The stream's name.
    public let stream: String
    /// The consumer's name.
    public let name: String
    /// Messages in the stream not yet delivered to this consumer.
    public let pending: UInt64
    /// Messages delivered and waiting for an ack.
    public let ackPending: Int64
    /// Messages delivered more than once.
    public let redelivered: Int64
    /// Pull requests waiting at the server.
    public let waiting: Int64
    /// Highest stream sequence delivered.
    public let deliveredStreamSequence: UInt64
    /// Stream sequence below which everything is acknowledged (or terminated, or exhausted).
    public let ackFloorStreamSequence: UInt64
    /// `max_deliver` of the consumer (-1 or 0: unlimited).
    public let maximumDeliveries: Int64
}

/// A durable pull consumer bound to an existing consumer of a stream; the owner of one pull `natsSubscription`.
///
/// Messages arrive through ``messages(_:)`` one at a time, or through ``batches(_:)`` a pull request at a time,
/// fetched on a thread of the consumer's own, so fetches never run on Swift's cooperative pool and never overlap.
///
/// Every message it delivers holds it, so the subscription lives until the last message is gone.
///
/// Sendable: the subscription handle is set once and destroyed in `deinit`; libnats locks subscription calls,
/// and every fetch runs on the consumer's serial ``BlockingWorker``, so fetches never overlap.
public final class PullConsumer: @unchecked Sendable {
    /// How messages are fetched.
    public struct FetchOptions: Sendable {
        /// Messages asked for per pull request; more than the consumer's `max_batch` asks for `max_batch` (the server
        /// refuses a larger request).
        public var batchSize: Int
        /// How long a pull request waits for at least one message before the next one is sent. It also bounds how
        /// long ending the sequence (task cancellation) can take.
        public var maxWait: Duration
        /// Return as soon as some messages are there instead of waiting (up to `maxWait`) for a full batch: the
        /// pull request returns what the consumer has now, or, when it has nothing, the first messages to arrive
        /// (libnats' `NoWait`). A gateway's latency then does not depend on the batch filling up.
        public var returnsPartialBatch: Bool
        /// At most this many bytes of messages per pull request (nil: only `batchSize` bounds it), raised to twice
        /// the server's `max_payload` so that any message the server accepts fits in one request. Without it, a
        /// batch of large messages can exceed what libnats holds for a subscription (64 MB), and libnats drops the
        /// excess as a slow consumer (it is redelivered after `ack_wait`).
        public var maxBytes: Int?

        /// Creates fetch options; the defaults suit the gateway.
        public init(
            batchSize: Int = 256, maxWait: Duration = .seconds(1), returnsPartialBatch: Bool = false,
            maxBytes: Int? = nil
        ) {
            self.batchSize = batchSize
            self.maxWait = maxWait
            self.returnsPartialBatch = returnsPartialBatch
            self.maxBytes = maxBytes
        }
    }

    /// The stream's name.
    public let stream: String
    /// The durable consumer's name.
    public let durable: String
    /// `max_deliver` of the consumer when it was bound (-1 or 0: unlimited).
    public let maximumDeliveries: Int64
    /// `max_batch` of the consumer when it was bound (0: unlimited).
    let maximumBatch: Int64
    let connection: NATSConnection
    private let subscription: OpaquePointer
    private let worker: BlockingWorker

    init(
        connection: NATSConnection, subscription: OpaquePointer, stream: String, durable: String,
        maximumDeliveries: Int64, maximumBatch: Int64, worker: BlockingWorker
    ) {
        self.connection = connection
        self.subscription = subscription
        self.stream = stream
        self.durable = durable
        self.maximumDeliveries = maximumDeliveries
        self.maximumBatch = maximumBatch
        self.worker = worker
    }

    deinit {
        natsSubscription_Destroy(subscription)
    }

    /// The messages of the consumer, fetched `options.batchSize` at a time.
    ///
    /// The next pull request is sent as soon as a batch is handed out, so the server delivers it while the caller
    /// works through the current one: at most two batches are delivered and not yet handed out. Messages fetched but
    /// never handed out (the loop ended early) are nak'ed, so they are redelivered at once.
    ///
    /// The sequence ends (returns nil) when the task is cancelled or the connection is drained or closed; a fetch
    /// that times out because nothing is pending, or because the server is being reconnected, is simply sent again.
    /// Iterate it from one task at a time.
    public func messages(_ options: FetchOptions = FetchOptions()) -> Messages {
        Messages(consumer: self, options: options)
    }

    /// The messages of the consumer, a pull request of up to `options.batchSize` at a time, for a caller that works
    /// on whole batches and decides when it can take the next one.
    ///
    /// A pull request is sent only when the next batch is asked for: nothing is fetched while the caller is busy,
    /// so messages never wait here while another client of the consumer could take them. A batch is empty when
    /// the pull request expired with nothing pending (or the connection is being re-established), which gives
    /// the caller its turn every `options.maxWait`. The caller owns every message handed out and gives each one
    /// its disposition.
    ///
    /// The sequence ends (returns nil) when the task is cancelled or the connection is drained or closed. After a
    /// failed fetch it ends too; a new iterator sends the next pull request. Iterate it from one task at a time.
    public func batches(_ options: FetchOptions = FetchOptions()) -> Batches {
        Batches(consumer: self, options: options)
    }

    /// The consumer's counters, from the server.
    /// - Throws: ``NATSError`` if the server cannot be asked.
    public func info() async throws(NATSError) -> ConsumerInfo {
        try await connection.consumerInfo(stream: stream, consumer: durable)
    }

    /// One pull request: up to `options.batchSize` messages, or none if `options.maxWait` passed first (or the
    /// connection is being re-established). ``messages(_:)`` and ``batches(_:)`` are the loops over it.
    /// - Throws: ``NATSError``, e.g. ``NATSError/Code/connectionClosed``.
    public func fetch(_ options: FetchOptions = FetchOptions()) async throws(NATSError) -> [JetStreamMessage] {
        let consumer = self
        return try await worker.run { () throws(NATSError) -> [JetStreamMessage] in try consumer.fetchNow(options) }
    }

    /// Sends one pull request and waits for its messages on the calling thread: call it on ``worker`` only.
    func fetchNow(_ options: FetchOptions) throws(NATSError) -> [JetStreamMessage] {
        var request = jsFetchRequest()
        jsFetchRequest_Init(&request)
        let batchSize = maximumBatch > 0 ? min(Int64(options.batchSize), maximumBatch) : Int64(options.batchSize)
        request.Batch = Int32(clamping: max(batchSize, 1))
        request.Expires = options.maxWait.nanoseconds
        request.NoWait = options.returnsPartialBatch
        if let maxBytes = options.maxBytes {
            request.MaxBytes = Int64(max(maxBytes, 2 * Int(natsConnection_GetMaxPayload(connection.handle))))
        }
        var list = natsMsgList()
        let status = natsSubscription_FetchRequest(&list, subscription, &request)
        defer { natsMsgList_Destroy(&list) }
        switch status {
        case NATS_OK:
            var messages: [JetStreamMessage] = []
            messages.reserveCapacity(Int(list.Count))
            for index in 0..<Int(list.Count) {
                guard let message = list.Msgs[index] else { continue }
                list.Msgs[index] = nil
                messages.append(JetStreamMessage(taking: message, from: self))
            }
            return messages
        case NATS_TIMEOUT, NATS_CONNECTION_DISCONNECTED, NATS_NO_RESPONDERS, NATS_IO_ERROR:
            // Nothing now: the wait ran out, or the connection broke under the request (an I/O error when the
            // server dies mid-send) and is being re-established; the next pull is buffered until it is.
            return []
        default:
            throw NATSError.fromLastError(status, operation: "fetch \(stream)/\(durable)")
        }
    }

    /// Runs `body` on the consumer's fetch thread, after any fetch already queued there.
    func submitToWorker(_ body: @escaping @Sendable () -> Void) {
        worker.submit(body)
    }

    /// The messages of a ``PullConsumer``; see ``PullConsumer/messages(_:)``.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = JetStreamMessage
        public typealias Failure = NATSError

        let consumer: PullConsumer
        let options: FetchOptions

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(consumer: consumer, options: options)
        }

        /// Hands out the messages of the consumer's ``FetchPipeline``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            public typealias Element = JetStreamMessage
            public typealias Failure = NATSError

            private let pipeline: FetchPipeline

            init(consumer: PullConsumer, options: FetchOptions) {
                pipeline = FetchPipeline(consumer: consumer, options: options, readsAhead: true)
            }

            /// The next message, or nil once the task is cancelled or the connection is closed.
            /// - Throws: ``NATSError`` when a fetch fails for another reason (e.g. the consumer was deleted).
            public mutating func next(isolation actor: isolated (any Actor)? = #isolation) async throws(NATSError)
                -> JetStreamMessage?
            {
                while true {
                    if let message = pipeline.takeMessage() { return message }
                    if Task.isCancelled { return nil }
                    do {
                        try await pipeline.awaitBatch()
                    } catch  where error.code == .connectionClosed {
                        return nil
                    }
                }
            }

            /// The next message; see ``next(isolation:)``.
            public mutating func next() async throws(NATSError) -> JetStreamMessage? {
                try await next(isolation: nil)
            }
        }
    }

    /// The batches of a ``PullConsumer``; see ``PullConsumer/batches(_:)``.
    public struct Batches: AsyncSequence, Sendable {
        public typealias Element = [JetStreamMessage]
        public typealias Failure = NATSError

        let consumer: PullConsumer
        let options: FetchOptions

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(consumer: consumer, options: options)
        }

        /// Sends one pull request per batch asked for.
        public struct AsyncIterator: AsyncIteratorProtocol {
            public typealias Element = [JetStreamMessage]
            public typealias Failure = NATSError

            private var pipeline: FetchPipeline?

            init(consumer: PullConsumer, options: FetchOptions) {
                pipeline = FetchPipeline(consumer: consumer, options: options, readsAhead: false)
            }

            /// The next batch (empty when the pull request expired), or nil once the task is cancelled, the
            /// connection is closed or a fetch failed.
            /// - Throws: ``NATSError`` when a fetch fails for another reason (e.g. the consumer was deleted).
            public mutating func next(isolation actor: isolated (any Actor)? = #isolation) async throws(NATSError)
                -> [JetStreamMessage]?
            {
                guard let pipeline, !Task.isCancelled else { return nil }
                do {
                    return try await pipeline.nextBatch()
                } catch  where error.code == .connectionClosed {
                    self.pipeline = nil
                    return nil
                } catch {
                    self.pipeline = nil
                    throw error
                }
            }

            /// The next batch; see ``next(isolation:)``.
            public mutating func next() async throws(NATSError) -> [JetStreamMessage]? {
                try await next(isolation: nil)
            }
        }
    }
}
