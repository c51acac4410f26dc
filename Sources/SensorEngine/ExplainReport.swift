public import EventModel
public import SensorModel

/// What `explain` finds for a run of events: each sensor's explanation and, when nothing fires, the dependency that
/// came closest. The CLI (`sensor-gateway explain`) and the admin server (`POST /api/explain`) both render it.
public struct ExplainReport: Sendable {
    /// One entry per sensor.
    public var explanations: [SensorExplanation]
    /// The closest dependency when no trigger fires.
    public var nearMiss: NearMiss?

    /// Explains what `sensors` would do with `events`, fed in order, and finds the near miss when nothing fires.
    /// - Parameters: as ``Explainer/explain(sensors:events:subject:subjectPrefix:requests:)``.
    public init(
        sensors: [Sensor], events: [Event], subject: String?, subjectPrefix: String,
        requests: (any RequestPreviewing)? = nil
    ) {
        explanations = Explainer.explain(
            sensors: sensors, events: events, subject: subject, subjectPrefix: subjectPrefix, requests: requests)
        nearMiss = NearMiss.find(
            in: explanations, sensors: sensors, events: events, subject: subject, subjectPrefix: subjectPrefix)
    }

    /// Whether some trigger fires.
    public var fires: Bool { explanations.contains { $0.triggers.contains(where: \.fires) } }

    /// The JSON document (``Explainer/json(_:nearMiss:)``).
    public var json: String { Explainer.json(explanations, nearMiss: nearMiss) }
}
