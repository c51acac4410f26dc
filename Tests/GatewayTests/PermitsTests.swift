import Synchronization
import Testing

@testable import Gateway

/// A consumer's permits: at most `total` messages run at once, a message that finds none free waits in the queue and
/// runs after the ones queued before it, and the consumer's next fetch waits until the queue is empty.
struct PermitsTests {
    /// What the jobs saw: how many ran at once at most, and the order they started in.
    private final class Observed: Sendable {
        private struct Contents {
            var running = 0
            var most = 0
            var started: [Int] = []
        }

        private let contents = Mutex(Contents())

        func begin(_ job: Int) {
            contents.withLock { state in
                state.running += 1
                state.most = max(state.most, state.running)
                state.started.append(job)
            }
        }

        func end() { contents.withLock { $0.running -= 1 } }

        var most: Int { contents.withLock { $0.most } }
        var started: [Int] { contents.withLock { $0.started } }
    }

    @Test func queuedMessagesRunWithinTheLimit() async {
        let permits = Permits(3)
        let observed = Observed()
        var tasksStarted = 0
        await withDiscardingTaskGroup { group in
            for job in 0..<40 {
                await permits.submit({
                    observed.begin(job)
                    try? await Task.sleep(for: .milliseconds(1))
                    observed.end()
                }) { runner in
                    tasksStarted += 1
                    group.addTask(operation: runner)
                }
            }
            await permits.waitForOne()
            #expect(observed.started.count == 40, "a permit is free only once every queued message has started")
        }
        #expect(observed.most <= 3)
        #expect(tasksStarted == 3, "the queued messages ran on the tasks of the first three")
        #expect(Set(observed.started) == Set(0..<40))
        #expect(permits.available == 3)
    }

    @Test func queuedMessagesRunInTheirOrder() async {
        let permits = Permits(1)
        let observed = Observed()
        await withDiscardingTaskGroup { group in
            for job in 0..<10 {
                await permits.submit({
                    observed.begin(job)
                    await Task.yield()
                    observed.end()
                }) { group.addTask(operation: $0) }
            }
        }
        #expect(observed.started == Array(0..<10))
        #expect(observed.most == 1)
    }

    @Test func messageWaitsWhenPermitsAreAcquiredElsewhere() async {
        let permits = Permits(2)
        await permits.acquire()
        await permits.acquire()
        let ran = Mutex(false)
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await Task.sleep(for: .milliseconds(50))
                #expect(!ran.withLock { $0 }, "no task was running a message to queue it for")
                permits.release()
            }
            await permits.submit({ ran.withLock { $0 = true } }) { group.addTask(operation: $0) }
        }
        #expect(ran.withLock { $0 })
        permits.release()
        #expect(permits.available == 2)
    }
}
