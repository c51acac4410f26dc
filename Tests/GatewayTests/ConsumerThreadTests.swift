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
