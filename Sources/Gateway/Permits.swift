import Synchronization

/// A counting semaphore for the messages in flight of one consumer.
final class Permits: Sendable {
    private struct Contents {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let contents: Mutex<Contents>
    let total: Int

    init(_ total: Int) {
        self.total = total
        contents = Mutex(Contents(available: total))
    }

    /// Permits free now.
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
}
