/// Publishes the payload of a `nats` trigger. The daemon provides one over its JetStream connection, so this
/// module does not depend on NATS.
public protocol TriggerPublisher: Sendable {
    /// Publishes `payload` on `subject`.
    /// - Parameters:
    ///   - subject: the trigger's subject.
    ///   - payload: the trigger's payload.
    ///   - messageID: the firing's deterministic name, the same for a redelivered firing: a destination that
    ///     de-duplicates (JetStream's `Nats-Msg-Id`) stores the message once.
    /// - Throws: any error; the trigger's outcome is then retryable, with the error's description as reason.
    func publish(subject: String, payload: [UInt8], messageID: String) async throws
}
