import EventModel
import SensorModel

/// Exactly one effect per firing for targets without an idempotency key of their own: the firing is claimed in
/// ``FiringClaims`` before it is executed, and its record says how it ended.
///
/// - No record: this replica claims it (create-if-absent), executes it within the execution timeout, and records
///   `done` (succeeded or already done), `failed` (permanent) or `released` (retryable: the redelivery claims it again).
/// - `done`: the outcome is already done, nothing is sent.
/// - `claimed` and not expired: another replica (or a redelivery to this one) executes it now; the record is read
///   again every poll interval until it says how it ended or expires. The message stays in flight meanwhile, its
///   in-progress heartbeats going on.
/// - `claimed` and expired (its owner died or hangs), `released` or `failed`: taken over with a compare-and-set, so
///   only one replica wins; the executor's own look-ups (a KFP run by display name, a Kubernetes object's firing
///   label after a 409) then find what an earlier owner created.
struct ClaimedExecution: Sendable {
    let claims: any FiringClaims
    /// Who claims: `host/pid`.
    let replica: String
    /// How long an execution may take before it is cancelled (``TriggerConfiguration/executionTimeout``).
    let timeout: Duration
    /// How often a claim held elsewhere is read again.
    let pollInterval: Duration
    let clock: any TriggerClock

    /// Runs `body` unless the firing is claimed or done elsewhere (see the type's description).
    /// - Parameters:
    ///   - firing: the firing id, the record's key.
    ///   - grace: how long a request sent just before the timeout may still take: a claim expires that much after
    ///     the timeout, so an owner that is alive has ended before another takes over.
    func run(_ firing: String, grace: Duration, _ body: @escaping @Sendable () async -> TriggerOutcome) async
        -> TriggerOutcome
    {
        while true {
            let now = EventTimestamp.now()
            let mine = FiringClaim(
                state: .claimed, replica: replica, claimedAt: now, expiresAt: now.adding(timeout + grace))
            do {
                if let revision = try await claims.create(firing, mine) {
                    return await execute(firing, claim: mine, revision: revision, body)
                }
                guard let stored = try await claims.read(firing) else { continue }
                let held = stored.claim
                switch held.state {
                case .done:
                    return .alreadyDone(
                        detail: "firing \(firing) was done by \(held.replica)"
                            + (held.detail.map { ": \($0)" } ?? ""))
                case .claimed where EventTimestamp.now() < held.expiresAt:
                    try await clock.sleep(for: pollInterval)
                case .claimed, .released, .failed:
                    if let revision = try await claims.replace(firing, mine, expectedRevision: stored.revision) {
                        return await execute(firing, claim: mine, revision: revision, body)
                    }
                }
            } catch is CancellationError {
                return .retryable(reason: "cancelled while waiting for the claim of firing \(firing)", after: nil)
            } catch {
                return .retryable(reason: "cannot claim firing \(firing): \(error)", after: nil)
            }
        }
    }

    /// Executes within the timeout and records the outcome at the claim's revision (not over a taker's claim).
    private func execute(
        _ firing: String, claim: FiringClaim, revision: UInt64, _ body: @escaping @Sendable () async -> TriggerOutcome
    ) async -> TriggerOutcome {
        let outcome = await withinTimeout(body)
        var record = claim
        record.outcome = outcome.label
        switch outcome {
        case .succeeded(let detail), .alreadyDone(let detail):
            record.state = .done
            record.detail = detail
        case .permanent(let reason):
            record.state = .failed
            record.detail = reason
        case .retryable(let reason, _):
            record.state = .released
            record.detail = reason
        }
        record.detail = record.detail.map { String($0.prefix(Self.detailLimit)) }
        do {
            if try await claims.replace(firing, record, expectedRevision: revision) == nil, outcome.isSuccess {
                return Self.noted(outcome, "its claim was taken over meanwhile")
            }
        } catch {
            // Not recorded: the claim expires, and a later delivery's look-up finds what was created.
            return Self.noted(outcome, "its outcome could not be recorded: \(error)")
        }
        return outcome
    }

    /// `body`'s outcome, or a retryable one when it ran past the timeout (it is cancelled then: retries stop, a
    /// request in flight ends within its own timeout, and a success that still came is kept).
    private func withinTimeout(_ body: @escaping @Sendable () async -> TriggerOutcome) async -> TriggerOutcome {
        let timeout = timeout
        let clock = clock
        return await withTaskGroup(of: TriggerOutcome?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            if let first {
                group.cancelAll()
                return first
            }
            group.cancelAll()
            let late = await group.next() ?? nil
            if let late, late.isSuccess { return late }
            return .retryable(
                reason: "the execution took longer than processing.executionTimeout (\(timeout))"
                    + (late.map { "; last: \(Self.reason(of: $0))" } ?? ""), after: nil)
        }
    }

    /// How much of an outcome's detail the record keeps (the bucket's values are small).
    static let detailLimit = 2048

    private static func noted(_ outcome: TriggerOutcome, _ note: String) -> TriggerOutcome {
        switch outcome {
        case .succeeded(let detail): .succeeded(detail: "\(detail) (\(note))")
        case .alreadyDone(let detail): .alreadyDone(detail: "\(detail) (\(note))")
        default: outcome
        }
    }

    private static func reason(of outcome: TriggerOutcome) -> String {
        switch outcome {
        case .succeeded(let text), .alreadyDone(let text), .permanent(let text), .retryable(let text, _): text
        }
    }
}

extension EventTimestamp {
    /// The instant `duration` later.
    fileprivate func adding(_ duration: Duration) -> EventTimestamp {
        let parts = duration.components
        let total = Int64(nanoseconds) + parts.attoseconds / 1_000_000_000
        return EventTimestamp(
            seconds: seconds + parts.seconds + total / 1_000_000_000, nanoseconds: UInt32(total % 1_000_000_000))
    }
}

extension ClaimedExecution {
    /// Whether a firing of `trigger` is claimed, and if so the claim's grace (its longest request): `kubeflowPipeline`
    /// triggers; `k8s` creates, unless the object is known before the firing to have no `metadata.name` (it is then
    /// named after the firing, which makes it idempotent); `http` triggers with `exactlyOnce`. Routed Kubeflow runs
    /// are claimed by the `route` executor.
    static func grace(for trigger: Trigger, configuration: TriggerConfiguration) -> Duration? {
        switch trigger.kind {
        case .kubeflowPipeline:
            return configuration.requestTimeout
        case .k8s(let k8s):
            guard k8s.operation == .create else { return nil }
            let namesIt = (k8s.parameters + trigger.parameters).contains { $0.destination.contains("metadata.name") }
            if case .resource(let object) = k8s.source, object["metadata"]?["name"] == nil, !namesIt { return nil }
            return configuration.requestTimeout
        case .http(let http):
            return http.exactlyOnce ? .seconds(http.timeoutSeconds) : nil
        case .argoWorkflow, .nats, .log, .route:
            return nil
        }
    }
}
