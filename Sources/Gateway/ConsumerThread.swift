import Foundation

/// The thread a subject's consumer runs on: its fetch loop, its screening and its messages' tasks, as a
/// `TaskExecutor` (``SubjectConsumer`` runs under `withTaskExecutorPreference`).
///
/// One thread that takes every job queued since it last looked, in order, and sleeps only when there is none: a
/// message's steps (screened, its request handed to libcurl, resumed with the answer, settled) follow each other
/// without waking a thread of the cooperative pool each time. A job that arrives after ``stop()`` (a task created
/// under the consumer that outlives it) runs on the global executor instead.
///
/// Sendable: `jobs`, `isSleeping` and `isStopped` are read and written only with `condition` locked.
final class ConsumerThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var isSleeping = false
    private var isStopped = false

    /// Starts the thread, named `name` (at most 15 bytes, as Linux allows).
    init(name: String) {
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

    /// Lets the thread end once the jobs queued so far have run; later jobs go to the global executor.
    func stop() {
        condition.lock()
        isStopped = true
        let wake = isSleeping
        isSleeping = false
        condition.unlock()
        if wake { condition.signal() }
    }

    private func run(name: String) {
        // Named from the thread itself: Foundation applies a name set before `start()` to the object only.
        Thread.current.name = name
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !isStopped {
                isSleeping = true
                condition.wait()
            }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
