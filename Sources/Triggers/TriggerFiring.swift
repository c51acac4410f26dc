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
    /// Whether the firing may have been executed before, or be executing elsewhere: the message that completed it
    /// was delivered more than once (its replica died or stalled, or an earlier attempt failed), or was held long
    /// enough that the server may have redelivered it. What it creates under a name of its own is then read before
    /// it is created, so no second create of the firing reaches the server.
    public let isRepeat: Bool
    /// The trace context its requests carry, when the firing is traced.
    public var trace: TriggerTrace?

    /// Creates a firing; its identity derives from `sensor`, `trigger` and `events`.
    public init(_ trigger: Trigger, sensor: Sensor, events: [String: Event], isRepeat: Bool = false) {
        self.trigger = trigger
        self.sensor = sensor
        self.events = events
        self.isRepeat = isRepeat
        identity = FiringIdentity(sensor: sensor.name, trigger: trigger.name, events: events)
    }
}
