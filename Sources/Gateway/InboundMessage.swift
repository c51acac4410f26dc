import Foundation

/// One message's view, independent of JetStream so the pipeline can be driven by tests.
struct InboundMessage: Sendable {
    var subject: String
    var payload: [UInt8]
    var headers: [String: String]
    var stream: String
    var streamSequence: UInt64
    var deliveries: UInt64
    var isLastDelivery: Bool
    /// When the stream stored it.
    var publishedAt: Date?
    /// From this instant on another replica may be processing a redelivered copy: in-progress heartbeats keep the
    /// server from redelivering a message held here, but they can be lost (while the stream's leader changes, or the
    /// connection is re-established). `nil`: never.
    var redeliveryPossibleFrom: ContinuousClock.Instant? = nil
    /// The permit the message holds while its triggers run; `nil` when the caller holds none.
    var permit: MessagePermit? = nil

    /// Whether what the message completes may have been executed, or be executing, elsewhere: it was delivered
    /// before, or it has been held past ``redeliveryPossibleFrom``.
    var mayBeRepeated: Bool {
        deliveries > 1 || redeliveryPossibleFrom.map { ContinuousClock.now >= $0 } ?? false
    }
}
