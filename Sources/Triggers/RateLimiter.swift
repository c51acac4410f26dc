import SensorEngine
public import SensorModel
import Synchronization

/// Argo Events' `rateLimit` per trigger: requests are spaced `unit / requestsPerUnit` apart, and a request that
/// comes too early waits for its turn (delayed, never dropped), as go.uber.org/ratelimit's `Take()` does.
public final class TriggerRateLimiter: Sendable {
    private let clock: any TriggerClock
    private let nextSlot = Mutex<[String: Duration]>([:])

    /// Creates a limiter on `clock`.
    public init(clock: any TriggerClock) {
        self.clock = clock
    }

    /// Reserves the next slot for `key` and returns how long to wait for it (zero when it is free now).
    /// - Parameters:
    ///   - key: what is limited, e.g. `<sensor>/<trigger>`.
    ///   - limit: the trigger's `rateLimit`.
    public func reserve(_ key: String, limit: RateLimit) -> Duration {
        let unit: Duration =
            switch limit.unit {
            case .second: .seconds(1)
            case .minute: .seconds(60)
            case .hour: .seconds(3600)
            }
        let interval = unit / max(1, limit.requestsPerUnit)
        let now = clock.now()
        return nextSlot.withLock { slots in
            let slot = max(now, slots[key] ?? now)
            slots[key] = slot + interval
            return slot - now
        }
    }

    /// Waits for the next slot of `key`.
    /// - Throws: `CancellationError` when cancelled while waiting.
    public func take(_ key: String, limit: RateLimit) async throws {
        let wait = reserve(key, limit: limit)
        if wait > .zero { try await clock.sleep(for: wait) }
    }
}
