/// The time source of retries, rate limits, look-up caches and the log trigger's interval; tests inject one that
/// never really waits.
public protocol TriggerClock: Sendable {
    /// The time elapsed since a fixed origin (monotonic).
    func now() -> Duration
    /// Waits for `duration`.
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    func sleep(for duration: Duration) async throws
}

/// The real clock: `ContinuousClock`.
public struct SystemTriggerClock: TriggerClock {
    private let origin = ContinuousClock.now

    /// Creates a clock whose origin is now.
    public init() {}

    /// The time since the clock was created.
    public func now() -> Duration { ContinuousClock.now - origin }

    /// Sleeps on `ContinuousClock`.
    public func sleep(for duration: Duration) async throws {
        try await ContinuousClock().sleep(for: duration)
    }
}
