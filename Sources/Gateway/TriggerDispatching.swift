public import EventModel
public import SensorModel
public import SensorEngine
public import Triggers

/// Executes a fired trigger: the seam between the pipeline and the trigger engines.
///
/// `Triggers.TriggerExecutor` conforms as it is (its `execute(_:sensor:events:)` has this shape); the engine's
/// tests give it stand-ins.
public protocol TriggerDispatching: Sendable {
    /// Executes `trigger` of `sensor` with the events that satisfied its condition, keyed by dependency name.
    /// - Parameters:
    ///   - trigger: The trigger whose condition fired.
    ///   - sensor: The sensor that owns it.
    ///   - events: The event of each dependency the condition used, keyed by dependency name.
    /// - Returns: The outcome (`Triggers.TriggerOutcome`); never throws, every failure is classified.
    func execute(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> TriggerOutcome
}

extension TriggerExecutor: TriggerDispatching {}
