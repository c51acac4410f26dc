import Synchronization

/// Keeps one pull request ahead of the reader of ``PullConsumer/Messages``: while the reader works through one
/// batch, the consumer's fetch thread already waits for the next.
///
/// Fetches stay single-flight (at most one in flight, on the consumer's serial worker). Messages fetched but never
/// handed out are nak'ed when the pipeline goes away, so they are redelivered at once rather than after `ack_wait`.
final class FetchPipeline: Sendable {
    private let consumer: PullConsumer
    private let options: PullConsumer.FetchOptions
    private let state = Mutex<State>(State())

    private struct State: ~Copyable {
        /// The batch being handed out, and the index of its next message.
        var current: [JetStreamMessage] = []
        var nextIndex = 0
        /// A completed fetch nobody has taken yet.
        var ready: Result<[JetStreamMessage], NATSError>?
        /// The reader waiting for a fetch to complete.
        var waiter: CheckedContinuation<Void, Never>?
        var isFetching = false
    }

    init(consumer: PullConsumer, options: PullConsumer.FetchOptions) {
        self.consumer = consumer
        self.options = options
    }

    deinit {
        let unread = state.withLock { state in
            Array(state.current[state.nextIndex...]) + ((try? state.ready?.get()) ?? [])
        }
        for message in unread { try? message.nak() }
    }

    /// The next message of the current batch, or nil when it is used up.
    func takeMessage() -> JetStreamMessage? {
        state.withLock { state in
            guard state.nextIndex < state.current.count else { return nil }
            defer { state.nextIndex += 1 }
            return state.current[state.nextIndex]
        }
    }

    /// Waits for the fetch in flight (sending one if there is none), makes its messages the current batch and sends
    /// the next pull request. The batch may be empty (the fetch timed out).
    /// - Throws: the fetch's ``NATSError``; no further fetch is sent then.
    func awaitBatch() async throws(NATSError) {
        startFetchIfIdle()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let isReady = state.withLock { state in
                if state.ready != nil { return true }
                state.waiter = waiter
                return false
            }
            if isReady { waiter.resume() }
        }
        let result = state.withLock { state in
            defer { state.ready = nil }
            return state.ready
        }
        guard let result else { return }
        let batch = try result.get()
        state.withLock { state in
            state.current = batch
            state.nextIndex = 0
        }
        startFetchIfIdle()
    }

    private func startFetchIfIdle() {
        let start = state.withLock { state in
            guard !state.isFetching, state.ready == nil else { return false }
            state.isFetching = true
            return true
        }
        guard start else { return }
        consumer.submitToWorker { [self] in
            let result = Result { () throws(NATSError) in try consumer.fetchNow(options) }
            let waiter = state.withLock { state in
                state.isFetching = false
                state.ready = result
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
