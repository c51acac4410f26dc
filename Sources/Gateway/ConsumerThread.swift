import Foundation

/// The thread a subject's consumer runs on: its fetch loop, its screening and its messages' tasks, as a
/// `TaskExecutor` (``SubjectConsumer`` runs under `withTaskExecutorPreference`).
///
/// One thread that takes every job queued since it last looked, in order, and sleeps only when there is none: a
/// message's steps (screened, its request handed to libcurl, resumed with the answer, settled) follow each other
/// without waking a thread of the cooperative pool each time. Work that can wait (a firing's bookkeeping after its
/// trigger answered) waits in ``yieldUntilIdle()`` while other jobs are queued. A job that arrives after ``stop()``
/// (a task created under the consumer that outlives it) runs on the global executor instead.
///
/// Sendable: `jobs`, `idleWaiters`, `isSleeping` and `isStopped` are read and written only with `condition` locked.
final class ConsumerThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private let idleWaiterLimit: Int
    private var isSleeping = false
    private var isStopped = false

    /// Starts the thread, named `name` (at most 15 bytes, as Linux allows).
    /// - Parameter idleWaiterLimit: the most tasks ``yieldUntilIdle()`` holds back; with one more, all go on.
    init(name: String, idleWaiterLimit: Int = 16) {
        self.idleWaiterLimit = max(1, idleWaiterLimit)
        Thread { [self] in run(name: name) }.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        guard !isStopped else {
            condition.unlock()
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        jobs.append(job)
        let wake = isSleeping
        isSleeping = false
        condition.unlock()
        if wake { condition.signal() }
    }

    /// Suspends the calling task until the thread has no job queued, so that the jobs queued meanwhile run first;
    /// it goes on at once when the thread has stopped, and when more than `idleWaiterLimit` tasks would wait.
    func yieldUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            guard !isStopped else {
                condition.unlock()
                continuation.resume()
                return
            }
            idleWaiters.append(continuation)
            var released: [CheckedContinuation<Void, Never>] = []
            if idleWaiters.count > idleWaiterLimit { swap(&released, &idleWaiters) }
            let wake = isSleeping
            isSleeping = false
            condition.unlock()
            if wake { condition.signal() }
            for waiter in released { waiter.resume() }
        }
    }

    /// Lets the thread end once the jobs queued so far have run; later jobs go to the global executor.
    func stop() {
        condition.lock()
        isStopped = true
        let wake = isSleeping
        isSleeping = false
        condition.unlock()
        if wake { condition.signal() }
    }

    /// Names the calling thread as `top -H` shows it, through `/proc/thread-self/comm`: Foundation's `Thread.name`
    /// reaches the thread only once `start()` has recorded its pthread, which the new thread may run ahead of.
    private static func nameCurrentThread(_ name: String) {
        let file = open("/proc/thread-self/comm", O_WRONLY)
        guard file >= 0 else { return }
        _ = write(file, name, name.utf8.count)
        close(file)
    }

    private func run(name: String) {
        Self.nameCurrentThread(name)
        var batch: [UnownedJob] = []
        var idle: [CheckedContinuation<Void, Never>] = []
        while true {
            condition.lock()
            while jobs.isEmpty && idleWaiters.isEmpty && !isStopped {
                isSleeping = true
                condition.wait()
            }
            if jobs.isEmpty {
                swap(&idle, &idleWaiters)
                condition.unlock()
                // Each resumption queues its task's next job here (or, once stopped, on the global executor).
                for waiter in idle { waiter.resume() }
                if idle.isEmpty { return }
                idle.removeAll(keepingCapacity: true)
                continue
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
