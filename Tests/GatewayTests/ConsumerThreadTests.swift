import Foundation
import Synchronization
import Testing

@testable import Gateway

/// A consumer's work runs on its own thread, child tasks and resumptions included, and still runs once it stopped.
struct ConsumerThreadTests {
    /// The thread names the tasks saw.
    private final class Names: Sendable {
        private let names = Mutex<[String]>([])
        func add(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    /// The name of the thread the caller runs on, as `top -H` shows it.
    private static func currentThreadName() -> String {
        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "unreadable"
        return comm.trimmingCharacters(in: .newlines)
    }

    @Test func tasksAndResumptionsRunOnTheThread() async {
        let thread = ConsumerThread(name: "consumer-test")
        defer { thread.stop() }
        let names = Names()
        await withTaskExecutorPreference(thread) {
            names.add(Self.currentThreadName())
            await withDiscardingTaskGroup { group in
                for _ in 0..<20 {
                    group.addTask {
                        names.add(Self.currentThreadName())
                        // Resumed by a timer on another thread, then back on the consumer's.
                        try? await Task.sleep(for: .milliseconds(1))
                        names.add(Self.currentThreadName())
                    }
                }
            }
        }
        let seen = names.all
        #expect(seen.count == 41)
        #expect(Set(seen) == ["consumer-test"])
    }

    /// What was recorded, in order.
    private final class Trail: Sendable {
        private let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    @Test func yieldUntilIdleLetsQueuedJobsRunFirst() async {
        let thread = ConsumerThread(name: "consumer-idle", idleWaiterLimit: 8)
        defer { thread.stop() }
        let trail = Trail()
        await withTaskExecutorPreference(thread) {
            await withDiscardingTaskGroup { group in
                // Queued in this order behind the body; the first waits for idleness, so the others overtake it.
                group.addTask {
                    trail.add("bookkeeping: waits")
                    await thread.yieldUntilIdle()
                    trail.add("bookkeeping: runs")
                }
                for index in 1...3 { group.addTask { trail.add("message \(index)") } }
            }
        }
        #expect(
            trail.all == ["bookkeeping: waits", "message 1", "message 2", "message 3", "bookkeeping: runs"])
    }

    @Test func yieldUntilIdleHoldsBackAtMostItsLimit() async {
        for (limit, waitersFirst) in [(2, true), (3, false)] {
            let thread = ConsumerThread(name: "consumer-limit", idleWaiterLimit: limit)
            let trail = Trail()
            await withTaskExecutorPreference(thread) {
                await withDiscardingTaskGroup { group in
                    for index in 1...3 {
                        group.addTask {
                            await thread.yieldUntilIdle()
                            trail.add("waiter \(index)")
                        }
                    }
                    // Keeps a job queued at every turn: the thread is never idle until it is done.
                    group.addTask {
                        for _ in 0..<200 { await Task.yield() }
                        trail.add("busy")
                    }
                }
            }
            thread.stop()
            let entries = trail.all
            #expect(entries.count == 4)
            // Three waiters are one more than a limit of 2: they go on while the thread is still busy.
            #expect((entries.last == "busy") == waitersFirst, "limit \(limit): \(entries)")
        }
    }

    @Test func yieldUntilIdleGoesOnOnceStopped() async {
        let thread = ConsumerThread(name: "consumer-gone")
        thread.stop()
        await thread.yieldUntilIdle()
    }

    @Test func workAfterStopRunsElsewhere() async {
        let thread = ConsumerThread(name: "consumer-stop")
        await withTaskExecutorPreference(thread) {
            #expect(Self.currentThreadName() == "consumer-stop")
        }
        thread.stop()
        let name = await withTaskExecutorPreference(thread) { () async -> String in
            try? await Task.sleep(for: .milliseconds(1))
            return Self.currentThreadName()
        }
        #expect(name != "consumer-stop", "a stopped consumer thread ran a job")
    }
}
