import EventModel
import SensorModel

/// `policy.k8s`: after a trigger created or changed a resource, reads it `backoff.steps` times, `backoff` apart on
/// the trigger clock, until it carries every label of the policy. Labels still unmatched after the last read fail the
/// trigger (permanent) only with `errorOnBackoffTimeout`; otherwise the outcome stands, with a note. A read that fails
/// ends the wait with that failure.
struct ResourceLabelWait {
    let policy: ResourceLabelPolicy
    let context: TriggerContext

    /// Waits when `outcome` is a success (a new or an already existing resource); returns other outcomes as they are.
    /// - Parameters:
    ///   - outcome: the trigger's outcome.
    ///   - what: the resource, for the outcome's detail or reason (`Workflow argo/evt-3f9c…`).
    ///   - read: reads the resource.
    func after(
        _ outcome: TriggerOutcome, what: String, read: () async throws(AttemptEnd) -> EventValue
    ) async -> TriggerOutcome {
        guard outcome.isSuccess else { return outcome }
        let backoff = RetryPolicy(policy.backoff)
        for check in 0..<backoff.attempts {
            do {
                if policy.isMet(by: try await read()) { return outcome }
            } catch {
                switch error.attempt {
                case .done(let failure): return failure
                case .retry(let reason, let after, _): return .retryable(reason: reason, after: after)
                }
            }
            guard check + 1 < backoff.attempts else { break }
            let delay = backoff.delay(afterRetry: check, random: context.configuration.random())
            do { try await context.configuration.clock.sleep(for: delay) } catch {
                return .retryable(reason: "cancelled while waiting for the labels of \(what)", after: nil)
            }
        }
        let labels = policy.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let note = "\(what) did not carry the labels \(labels) after \(backoff.attempts) reads"
        guard !policy.errorOnBackoffTimeout else { return .permanent(reason: "policy.k8s: " + note) }
        switch outcome {
        case .succeeded(let detail): return .succeeded(detail: detail + "; policy.k8s: " + note)
        case .alreadyDone(let detail): return .alreadyDone(detail: detail + "; policy.k8s: " + note)
        case .retryable, .permanent: return outcome
        }
    }
}
