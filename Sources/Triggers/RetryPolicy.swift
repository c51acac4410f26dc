import Foundation
import SensorEngine
public import SensorModel

/// Argo Events' `retryStrategy` (k8s `wait.Backoff`): `steps` attempts in all, the i-th wait being
/// `duration·factorⁱ` plus a random share of up to `jitter` of it.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, at least 1.
    public var attempts: Int
    /// The first wait.
    public var duration: Duration
    /// The growth of each wait over the previous one.
    public var factor: Double
    /// The largest random addition, as a share of the wait (0 for none).
    public var jitter: Double

    /// One attempt, no waiting: a trigger without `retryStrategy`.
    public static let once = RetryPolicy(attempts: 1, duration: .zero, factor: 1, jitter: 0)

    /// Creates a policy.
    public init(attempts: Int, duration: Duration, factor: Double, jitter: Double) {
        self.attempts = max(1, attempts)
        self.duration = duration
        self.factor = factor
        self.jitter = jitter
    }

    /// The policy of a trigger's `retryStrategy` (``once`` when it has none).
    public init(_ strategy: RetryStrategy?) {
        guard let strategy else {
            self = .once
            return
        }
        self.init(
            attempts: strategy.steps, duration: .milliseconds(Int64((strategy.durationSeconds * 1000).rounded())),
            factor: strategy.factor, jitter: strategy.jitter)
    }

    /// The wait before attempt `retry + 1` (so `retry` 0 is the wait after the first attempt).
    /// - Parameters:
    ///   - retry: how many retries came before (0 for the first).
    ///   - random: a number in `[0, 1)`, the share of the jitter to add.
    public func delay(afterRetry retry: Int, random: Double) -> Duration {
        let base = duration.seconds * pow(max(factor, 0), Double(retry))
        let jittered = jitter > 0 ? base + base * jitter * min(max(random, 0), 1) : base
        return .milliseconds(Int64((min(jittered, 86_400) * 1000).rounded()))
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
