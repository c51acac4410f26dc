/// The metadata keys of the gateway's log lines.
public enum LoggingKeys {
    /// The sensor's name.
    public static let sensor = "sensor"
    /// The trigger's name.
    public static let trigger = "trigger"
    /// The CloudEvent id.
    public static let eventID = "event.id"
    /// A firing's id (`FiringIdentity.id`, shown as `firing=<id>`): the same in every line about one firing of a
    /// trigger, in the names and labels of what it creates, and in its dead letter.
    public static let firing = "firing"
    /// The engine that executed a trigger (`argo`, `kubeflow`, `hybrid`, `http`, `nats`, `log`).
    public static let engine = "engine"
    /// On the lines of a `dlqTrigger`: the id of the failed firing it stands in for.
    public static let failedFiring = "failedFiring"
    /// The route the routing matrix chose for a `route` trigger.
    public static let route = "route"
    /// The dependency's name.
    public static let dependency = "dependency"
    /// The NATS subject.
    public static let subject = "nats.subject"
    /// The stream sequence of a message.
    public static let streamSequence = "nats.seq.stream"
    /// The durable consumer.
    public static let consumer = "nats.consumer"
    /// How often a message has been delivered.
    public static let deliveries = "nats.deliveries"
    /// The disposition given to a message.
    public static let disposition = "disposition"
    /// An error's description.
    public static let error = "error"
    /// The trace id (32 hex digits) of a traced message's spans.
    public static let traceID = "trace_id"
}
