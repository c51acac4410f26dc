/// Publishes the payload of a `nats` trigger. The daemon provides one over its JetStream connection, so this
/// module does not depend on NATS.
public protocol TriggerPublisher: Sendable {
    /// Publishes `payload` on `subject`.
    /// - Throws: any error; the trigger's outcome is then retryable, with the error's description as reason.
    func publish(subject: String, payload: [UInt8]) async throws
}
