/// The header names of a dead letter.
public enum DeadLetterHeaders {
    /// Why the message was dead-lettered.
    public static let reason = "Sensor-Gateway-Reason"
    /// The sensor (empty for an undecodable message).
    public static let sensor = "Sensor-Gateway-Sensor"
    /// The trigger (empty for an undecodable message).
    public static let trigger = "Sensor-Gateway-Trigger"
    /// The firing's ``SensorEngine/FiringIdentity/id``, as in its log lines and in the names and labels of what it
    /// created (absent for an undecodable message).
    public static let firing = "Sensor-Gateway-Firing"
    /// The subject the event was published to.
    public static let subject = "Sensor-Gateway-Subject"
    /// The event's sequence in its stream.
    public static let streamSequence = "Sensor-Gateway-Stream-Sequence"
    /// How often the message had been delivered.
    public static let deliveries = "Sensor-Gateway-Deliveries"
}

/// The headers of a replayed dead letter (`sensor-gateway dlq replay`) that send it to one sensor's trigger: the
/// other sensors on its subject, and the sensor's other triggers, pass over it.
public enum ReplayHeaders {
    /// The only sensor the message is for.
    public static let sensor = "Sensor-Gateway-Replay-Sensor"
    /// The only trigger of that sensor the message is for; absent: every trigger of the sensor.
    public static let trigger = "Sensor-Gateway-Replay-Trigger"
}
