public import EventModel

/// Where firings are claimed before a trigger whose target has no idempotency key of its own is executed (a
/// Kubeflow run, a Kubernetes object with a fixed name, an `http` trigger with `exactlyOnce`): one record per firing
/// id, written only if absent or at an expected revision, so replicas sharing the store never execute one firing
/// twice at the same time. The daemon provides one over a JetStream key-value bucket, so this module does not depend
/// on NATS.
public protocol FiringClaims: Sendable {
    /// The record of `firing` and its revision; `nil` when there is none (never claimed, or expired).
    /// - Throws: any error; the firing's outcome is then retryable.
    func read(_ firing: String) async throws -> StoredFiringClaim?
    /// Writes `claim` only if `firing` has no record.
    /// - Returns: the new revision; `nil` when a record exists.
    /// - Throws: any other error; the firing's outcome is then retryable.
    func create(_ firing: String, _ claim: FiringClaim) async throws -> UInt64?
    /// Writes `claim` only if `firing`'s record is still at `expectedRevision` (compare-and-set).
    /// - Returns: the new revision; `nil` when another write came first.
    /// - Throws: any other error; the firing's outcome is then retryable.
    func replace(_ firing: String, _ claim: FiringClaim, expectedRevision: UInt64) async throws -> UInt64?
}

/// A firing's record in ``FiringClaims``: who executes it, until when, and how it ended. Stored as the JSON object
/// `{"state", "replica", "claimedAt", "expiresAt", "outcome", "detail"}` (times in RFC 3339).
public struct FiringClaim: Sendable, Hashable {
    /// Where the firing stands.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// A replica executes it; after ``FiringClaim/expiresAt`` another may take over.
        case claimed
        /// It succeeded or was found done: a redelivery is already done, no request is sent.
        case done
        /// It failed permanently (and went to the dead letters): a replay claims it again.
        case failed
        /// It failed in a way a redelivery may fix: the next delivery claims it again.
        case released
    }

    /// Where the firing stands.
    public var state: State
    /// Who wrote the record: host (the pod's name) and process id, `host/pid`.
    public var replica: String
    /// When the replica claimed the firing.
    public var claimedAt: EventTimestamp
    /// When a claim whose owner did not finish is stale: `claimedAt` + the execution timeout + the longest request.
    public var expiresAt: EventTimestamp
    /// The outcome label (`succeeded`, `already_done`, `permanent`, `retryable`) once finished.
    public var outcome: String?
    /// The outcome's detail or reason once finished.
    public var detail: String?

    /// Creates a record.
    public init(
        state: State, replica: String, claimedAt: EventTimestamp, expiresAt: EventTimestamp, outcome: String? = nil,
        detail: String? = nil
    ) {
        self.state = state
        self.replica = replica
        self.claimedAt = claimedAt
        self.expiresAt = expiresAt
        self.outcome = outcome
        self.detail = detail
    }

    /// The record as stored.
    public var json: [UInt8] {
        var map: EventMap = [
            "state": .string(state.rawValue), "replica": .string(replica), "claimedAt": .string(claimedAt.rfc3339),
            "expiresAt": .string(expiresAt.rfc3339),
        ]
        if let outcome { map["outcome"] = .string(outcome) }
        if let detail { map["detail"] = .string(detail) }
        return JSONCodec.encode(.map(map))
    }

    /// Reads a stored record.
    /// - Throws: ``FiringClaimError`` naming `firing` when the bytes are not such a record.
    public init(json bytes: [UInt8], firing: String) throws(FiringClaimError) {
        let root: EventValue
        do { root = try JSONCodec.decode(bytes) } catch {
            throw FiringClaimError(firing: firing, reason: "the record is not JSON: \(error)")
        }
        guard let stateText = root["state"]?.stringValue, let state = State(rawValue: stateText) else {
            throw FiringClaimError(firing: firing, reason: "the record has no known state")
        }
        guard let claimedText = root["claimedAt"]?.stringValue,
            let claimedAt = EventTimestamp(rfc3339: claimedText),
            let expiresText = root["expiresAt"]?.stringValue, let expiresAt = EventTimestamp(rfc3339: expiresText)
        else { throw FiringClaimError(firing: firing, reason: "the record has no valid claimedAt and expiresAt") }
        self.init(
            state: state, replica: root["replica"]?.stringValue ?? "", claimedAt: claimedAt, expiresAt: expiresAt,
            outcome: root["outcome"]?.stringValue, detail: root["detail"]?.stringValue)
    }
}

/// A record of ``FiringClaims`` with the revision a compare-and-set expects.
public struct StoredFiringClaim: Sendable, Hashable {
    /// The record.
    public var claim: FiringClaim
    /// Its revision.
    public var revision: UInt64

    /// Creates a value.
    public init(claim: FiringClaim, revision: UInt64) {
        self.claim = claim
        self.revision = revision
    }
}

/// A firing's claim record that cannot be read.
public struct FiringClaimError: Error, Sendable, CustomStringConvertible {
    /// The firing id (the key).
    public var firing: String
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(firing: String, reason: String) {
        self.firing = firing
        self.reason = reason
    }

    public var description: String { "firing claim \(firing): \(reason)" }
}
