import EventModel
import SensorEngine
import SensorModel

/// The `nats` trigger: publishes the resolved payload through the configured ``TriggerPublisher`` with the
/// firing's name as message id (a de-duplicating destination stores it once); without one, writes it to the outbox.
struct NATSTriggerExecutor: TriggerKindExecutor {
    /// The `engine` label of what it executes.
    static let engine = "nats"
    let context: TriggerContext

    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        let outcome = await context.withRetries(RetryPolicy(firing.trigger.retryStrategy)) { () async -> Attempt in
            await attempt(firing)
        }
        return TriggerExecution(outcome, engine: Self.engine)
    }

    /// One attempt of a `nats` trigger: through the publisher, or to the outbox without one.
    private func attempt(_ firing: TriggerFiring) async -> Attempt {
        let trigger = firing.trigger
        let identity = firing.identity
        let action: TriggerAction
        do { action = try trigger.action(events: firing.events, sensor: firing.sensor) } catch {
            return .done(.permanent(reason: "trigger \(trigger.name): \(error)"))
        }
        let subject = action.subject ?? ""
        guard let publisher = context.configuration.publisher else {
            var record = Outbox.Record(
                engine: Self.engine, name: identity.name(), method: "PUBLISH", url: action.url ?? "", headers: [],
                body: action.body.map(Outbox.value(of:)), identity: identity)
            record.extra["subject"] = .string(subject)
            return context.writeOutbox(record, what: "NATS message on \(subject)", missing: "a NATS publisher")
        }
        let payload: [UInt8] =
            switch action.body {
            case .json(let value)?: JSONCodec.encode(value)
            case .text(let text)?: Array(text.utf8)
            case nil: []
            }
        do {
            try await publisher.publish(subject: subject, payload: payload, messageID: identity.name())
            return .done(.succeeded(detail: "published \(payload.count) bytes on \(subject)"))
        } catch {
            return .retry(reason: "NATS publish on \(subject): \(error)", after: nil, kind: .general)
        }
    }
}
