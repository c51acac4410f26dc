import Synchronization

/// How one consumer is getting on, for `/readyz`: when its last pull request completed, how many messages the server
/// still held for it then, and how many it is processing. A consumer that has not completed a fetch for the stall
/// timeout while it has messages to process is stuck (a trigger that never returns, a lost pull subscription).
final class ConsumerProgress: Sendable {
    private struct Contents {
        var lastFetch: ContinuousClock.Instant
        var pending: UInt64 = 0
    }

    private let contents: Mutex<Contents>
    private let permits: Permits
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - permits: the consumer's permits; those taken are its messages in flight.
    ///   - clock: now (a test may move it).
    init(permits: Permits, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.permits = permits
        self.clock = clock
        contents = Mutex(Contents(lastFetch: clock()))
    }

    /// A pull request completed; the server held `pending` more messages for the consumer.
    func fetched(pending: UInt64) {
        let now = clock()
        contents.withLock { $0 = Contents(lastFetch: now, pending: pending) }
    }

    /// Why the consumer counts as stuck after `timeout` without a completed fetch, or `nil` when it does not.
    func stall(after timeout: Duration) -> String? {
        let (lastFetch, pending) = contents.withLock { ($0.lastFetch, $0.pending) }
        let inFlight = permits.total - permits.available
        let idle = clock() - lastFetch
        guard idle >= timeout, pending > 0 || inFlight > 0 else { return nil }
        return "no fetch completed for \(idle.components.seconds)s with \(pending) messages pending and \(inFlight) in "
            + "flight"
    }
}
