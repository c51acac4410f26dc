import Synchronization

/// The permit a message holds while its triggers run (one of `processing.concurrency`), given back once: when the
/// message is settled, or earlier, when its last trigger has answered and only the firing's bookkeeping is left.
final class MessagePermit: Sendable {
    private let permits: Permits
    private let thread: ConsumerThread
    private let isHeld = Atomic(true)

    /// Takes one of `permits`, waiting until one is free.
    /// - Parameter thread: the consumer's thread, which runs queued work before an early release's bookkeeping.
    init(of permits: Permits, thread: ConsumerThread) async {
        await permits.acquire()
        self.permits = permits
        self.thread = thread
    }

    /// Gives the permit back, unless it was already.
    func release() {
        if isHeld.exchange(false, ordering: .acquiringAndReleasing) { permits.release() }
    }

    /// Gives the permit back as the message's last trigger has answered, then waits until the consumer's thread has run
    /// what is queued: the next messages send their triggers before this one's bookkeeping and ack.
    func triggersAnswered() async {
        release()
        await thread.yieldUntilIdle()
    }
}
