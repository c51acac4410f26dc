import Synchronization

/// A counting semaphore for the messages in flight of one consumer, with a queue of the messages waiting for a
/// permit.
///
/// A message is run with ``submit(_:start:)``: on a task of its own when a permit is free, otherwise queued for a task
/// whose message ends, which keeps its permit and runs the queued message next. A backlog so costs neither a task
/// per message nor a wake-up of the consumer per message: the consumer queues its batch and waits only before the
/// next fetch (``waitForOne()``), until the queue is empty and a permit free.
final class Permits: Sendable {
    /// The processing of one message, run with a permit.
    typealias Job = @Sendable () async -> Void

    private struct Contents {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Tasks running submitted jobs; while one runs, a job can be queued for it.
        var runners = 0
        /// The jobs waiting for a permit, oldest from `head` on.
        var queued: [Job] = []
        var head = 0
    }

    private enum Placement {
        case start
        case queued
        case wait
    }

    private let contents: Mutex<Contents>
    let total: Int

    init(_ total: Int) {
        self.total = total
        contents = Mutex(Contents(available: total))
    }

    /// Permits free now (none while jobs are queued).
    var available: Int { contents.withLock { $0.available } }

    /// Permits taken now.
    var taken: Int { total - available }

    /// Waits until at least one permit is free (without taking it).
    func waitForOne() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = contents.withLock { state -> Bool in
                if state.available > 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Takes one permit, waiting until one is free; several tasks may call it at once.
    func acquire() async {
        while !contents.withLock({ state in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }) {
            await waitForOne()
        }
    }

    /// Returns one permit and wakes the waiter.
    func release() {
        let waiters = contents.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.available += 1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs `job` with a permit: on a task that `start` makes when a permit is free; otherwise after the jobs queued
    /// before it, on the task of a job that ends. Waits only when no permit is free and no task runs a submitted job
    /// (``acquire()`` took them all). Call from one task.
    func submit(_ job: @escaping Job, start: (@escaping @Sendable () async -> Void) -> Void) async {
        while true {
            let placement = contents.withLock { state -> Placement in
                if state.available > 0 {
                    state.available -= 1
                    state.runners += 1
                    return .start
                }
                guard state.runners > 0 else { return .wait }
                state.queued.append(job)
                return .queued
            }
            switch placement {
            case .start:
                start { await self.run(job) }
                return
            case .queued:
                return
            case .wait:
                await waitForOne()
            }
        }
    }

    /// Runs `job`, then each job queued meanwhile, then returns the permit.
    private func run(_ job: @escaping Job) async {
        var next: Job? = job
        while let current = next {
            await current()
            next = nextOrRelease()
        }
    }

    /// The oldest queued job, which keeps the permit of the one that ended; `nil` when none is queued, the permit
    /// then returned and the waiters woken.
    private func nextOrRelease() -> Job? {
        let (next, waiters) = contents.withLock { state -> (Job?, [CheckedContinuation<Void, Never>]) in
            if state.head < state.queued.count {
                let next = state.queued[state.head]
                state.queued[state.head] = Self.started
                state.head += 1
                if state.head == state.queued.count { (state.queued, state.head) = ([], 0) }
                return (next, [])
            }
            state.available += 1
            state.runners -= 1
            defer { state.waiters = [] }
            return (nil, state.waiters)
        }
        for waiter in waiters { waiter.resume() }
        return next
    }

    /// What a queued job's slot holds once the job started, so its captures are released.
    private static let started: Job = {}
}
