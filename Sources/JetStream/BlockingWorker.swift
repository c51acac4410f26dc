import Dispatch

/// A queue for the libnats calls that block (fetch, JetStream API requests, publish acks, KV),
/// so they never occupy a thread of Swift's cooperative pool.
///
/// Each consumer has its own worker: its fetches are therefore single-flight, as libnats requires,
/// and one consumer waiting on the server never delays another.
final class BlockingWorker: Sendable {
    private let queue: DispatchQueue

    /// Creates a worker; a concurrent one runs independent requests side by side, each on a thread of its own.
    init(label: String, concurrent: Bool = false) {
        queue = DispatchQueue(label: label, attributes: concurrent ? .concurrent : [])
    }

    /// Queues `body` without waiting for it.
    func submit(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Runs `body` on the worker's thread and returns its result; `body` reads any libnats error itself, on
    /// that thread, before returning.
    func run<Success: Sendable>(_ body: @escaping @Sendable () throws(NATSError) -> Success) async throws(NATSError)
        -> Success
    {
        let result: Result<Success, NATSError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(NATSError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
