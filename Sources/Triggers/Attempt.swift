/// The result of one attempt, before the retry loop decides what it means.
enum Attempt: Sendable {
    /// Final: no further attempt.
    case done(TriggerOutcome)
    /// Worth another attempt, of this kind.
    case retry(reason: String, after: Duration?, kind: RetryKind)

    /// Which budget a retry uses.
    enum RetryKind: Sendable {
        /// The trigger's `retryStrategy` (transport errors, 429, 502, 503, 504 with a deterministic name).
        case general
        /// The not-found grace (a template created a moment ago is not yet in the server's cache).
        case notFound
        /// The few attempts a 500 gets.
        case internalError
    }
}

/// An attempt's early end, thrown out of the steps of a request sequence (look-ups before a create).
struct AttemptEnd: Error {
    let attempt: Attempt

    static func permanent(_ reason: String) -> AttemptEnd { AttemptEnd(attempt: .done(.permanent(reason: reason))) }
}
