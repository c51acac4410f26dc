public import EventModel
public import SensorEngine
public import SensorModel

/// One firing of a trigger: the trigger, its sensor, the events it fired with and the identity every name, label,
/// log line and dead letter of the firing carries.
public struct TriggerFiring: Sendable {
    /// The trigger whose condition held.
    public let trigger: Trigger
    /// Its sensor (name for naming and labels, namespace as the workflows' default).
    public let sensor: Sensor
    /// The event of each dependency the condition used, by dependency name.
    public let events: [String: Event]
    /// The firing's identity, derived from the sensor, the trigger and the events.
    public let identity: FiringIdentity
    /// The trace context its requests carry, when the firing is traced.
    public var trace: TriggerTrace?

    /// Creates a firing; its identity derives from `sensor`, `trigger` and `events`.
    public init(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) {
        self.trigger = trigger
        self.sensor = sensor
        self.events = events
        identity = FiringIdentity(sensor: sensor.name, trigger: trigger.name, events: events)
    }
}
