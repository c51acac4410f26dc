import Synchronization
import Testing

@testable import Gateway

/// When a consumer counts as stuck: no fetch completed for the timeout while it has messages to process.
struct ConsumerProgressTests {
    @Test func stuckOnlyWithWorkAndNoFetch() async {
        let now = Mutex(ContinuousClock.now)
        let permits = Permits(4)
        let progress = ConsumerProgress(permits: permits) { now.withLock { $0 } }
        now.withLock { $0 += .seconds(300) }
        #expect(progress.stall(after: .seconds(120)) == nil, "idle with nothing pending is not stuck")

        progress.fetched(pending: 12)
        now.withLock { $0 += .seconds(119) }
        #expect(progress.stall(after: .seconds(120)) == nil)
        now.withLock { $0 += .seconds(1) }
        #expect(
            progress.stall(after: .seconds(120))
                == "no fetch completed for 120s with 12 messages pending and 0 in flight")

        progress.fetched(pending: 0)
        await permits.acquire()
        await permits.acquire()
        now.withLock { $0 += .seconds(200) }
        #expect(
            progress.stall(after: .seconds(120))
                == "no fetch completed for 200s with 0 messages pending and 2 in flight")
        progress.fetched(pending: 0)
        #expect(progress.stall(after: .seconds(120)) == nil)
    }
}
