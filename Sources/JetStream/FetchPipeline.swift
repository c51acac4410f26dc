import Synchronization

/// The pull requests behind ``PullConsumer/Messages`` and ``PullConsumer/Batches``: one at a time, on the consumer's
/// fetch thread.
///
/// Fetches stay single-flight (at most one in flight, on the consumer's serial worker). With read-ahead, the next pull
/// request is sent as soon as a batch is handed out, so the server delivers it while the reader works through the
/// current one; without it, a pull request goes out only when the reader asks for a batch. Messages fetched but
/// never handed out are nak'ed when the pipeline goes away, so they are redelivered at once rather than after
/// `ack_wait`.
final class FetchPipeline: Sendable {
    private let consumer: PullConsumer
    private let options: PullConsumer.FetchOptions
    private let readsAhead: Bool
    private let state = Mutex<State>(State())

    private struct State: ~Copyable {
        /// The batch being handed out message by message, and the index of its next message.
        var current: [JetStreamMessage] = []
        var nextIndex = 0
        /// A completed fetch nobody has taken yet.
        var ready: Result<[JetStreamMessage], NATSError>?
        /// The reader waiting for a fetch to complete.
        var waiter: CheckedContinuation<Void, Never>?
        var isFetching = false
    }

    init(consumer: PullConsumer, options: PullConsumer.FetchOptions, readsAhead: Bool) {
        self.consumer = consumer
        self.options = options
        self.readsAhead = readsAhead
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

    /// Waits for the next batch and makes it the current one, which ``takeMessage()`` hands out.
    /// - Throws: the fetch's ``NATSError``; no further fetch is sent then.
    func awaitBatch() async throws(NATSError) {
        let batch = try await nextBatch()
        state.withLock { state in
            state.current = batch
            state.nextIndex = 0
        }
    }

    /// Waits for the fetch in flight (sending one if there is none) and returns its messages, which the caller
    /// then owns; with read-ahead, the next pull request is sent first. The batch may be empty (the pull request
    /// expired with nothing pending, or the connection is being re-established).
    /// - Throws: the fetch's ``NATSError``; no further fetch is sent then.
    func nextBatch() async throws(NATSError) -> [JetStreamMessage] {
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
        guard let result else { return [] }
        let batch = try result.get()
        if readsAhead { startFetchIfIdle() }
        return batch
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
