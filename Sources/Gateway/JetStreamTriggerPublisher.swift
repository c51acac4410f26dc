import JetStream
import Triggers

/// Publishes `nats` triggers into JetStream over the gateway's own connection, with `Nats-Msg-Id` = the firing's
/// name: a redelivered firing is stored once (within the stream's duplicate window), and a trigger succeeds only
/// when a stream has stored its message. A subject no stream captures fails the trigger (retried, then the DLQ).
struct JetStreamTriggerPublisher: TriggerPublisher {
    /// Where the engine keeps its connection once it is up.
    let state: GatewayState

    /// Publishes and waits for the stream's acknowledgement.
    /// - Throws: ``NATSError``, or ``NotConnected`` before the gateway's first connection.
    func publish(subject: String, payload: [UInt8], messageID: String) async throws {
        guard let connection = state.connection else { throw NotConnected(subject: subject) }
        _ = try await connection.publish(OutgoingMessage(subject: subject, data: payload, messageID: messageID))
    }

    /// A `nats` trigger fired before the gateway's NATS connection was up.
    struct NotConnected: Error, CustomStringConvertible {
        /// The trigger's subject.
        let subject: String
        var description: String { "cannot publish on \(subject): the gateway is not connected to NATS yet" }
    }
}
