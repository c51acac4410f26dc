public import EventModel
public import SensorKit

/// What became of one trigger execution; decides the disposition of the messages that caused it.
public enum TriggerOutcome: Sendable, Equatable {
    /// The request was accepted by its engine.
    case succeeded(detail: String)
    /// The engine already had this exact request (same deterministic name): nothing new was created.
    case alreadyDone(detail: String)
    /// A transient failure: the causing messages are negatively acknowledged and redelivered.
    case retryable(reason: String, after: Duration?)
    /// A failure that a retry cannot fix: the causing messages go to the dead-letter subject.
    case permanent(reason: String)
}

/// Executes a fired trigger. The `Triggers` module provides the production implementation; the gateway
/// ships ``OutboxDispatcher`` for laptops and tests.
public protocol TriggerDispatching: Sendable {
    /// Executes `trigger` of `sensor` with the events that satisfied its condition, keyed by dependency name.
    /// - Parameters:
    ///   - trigger: The trigger whose condition fired.
    ///   - sensor: The sensor that owns it.
    ///   - events: The event of each dependency the condition used, keyed by dependency name.
    /// - Returns: The outcome; never throws, every failure is classified.
    func execute(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> TriggerOutcome
}
