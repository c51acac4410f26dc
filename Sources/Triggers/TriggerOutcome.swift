/// How one execution of a trigger ended; the daemon turns it into a message disposition.
///
/// - ``succeeded(detail:)`` and ``alreadyDone(detail:)``: ack.
/// - ``retryable(reason:after:)``: nak, with `after` as the delay when it is set.
/// - ``permanent(reason:)``: term, and publish to the DLQ.
///
/// No case carries a token or a secure header value.
public enum TriggerOutcome: Sendable, Hashable {
    /// The request was accepted: `detail` names what was created or done (`workflow argo/evt-3f9c…`).
    case succeeded(detail: String)
    /// An earlier delivery already did it (a workflow or run with the deterministic name exists).
    case alreadyDone(detail: String)
    /// It failed in a way another attempt may fix (transport error, 429, 503, 504, a few 500s); `after` is the
    /// delay the server or the retry strategy suggests.
    case retryable(reason: String, after: Duration?)
    /// It failed in a way another attempt will not fix (400, 401, 403, 404 after the grace, a parameter error).
    case permanent(reason: String)

    /// Whether the message may be acknowledged.
    public var isSuccess: Bool {
        switch self {
        case .succeeded, .alreadyDone: true
        case .retryable, .permanent: false
        }
    }

    /// The `outcome` label of the `sensor_gateway_triggers_total` metric: `succeeded`, `already_done`,
    /// `retryable` or `permanent`.
    public var label: String {
        switch self {
        case .succeeded: "succeeded"
        case .alreadyDone: "already_done"
        case .retryable: "retryable"
        case .permanent: "permanent"
        }
    }
}
