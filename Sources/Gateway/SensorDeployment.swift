import ConfigReader
import EventModel
import SensorModel

/// What the gateway says about one Kubernetes Sensor in its status: the `Deployed` condition Argo Events' sensor
/// controller also sets (`True` with reason `Running`, `False` with `Invalid` or `Unreachable` and the findings as
/// message), for the generation it was reached on.
struct SensorDeployment: Sendable, Hashable {
    enum Reason: String, Sendable {
        /// The sensor runs.
        case running = "Running"
        /// The sensor has errors (the findings `sensor-gateway validate` reports).
        case invalid = "Invalid"
        /// A trigger needs an engine the gateway has no endpoint for.
        case unreachable = "Unreachable"
    }

    /// The condition's type.
    static let conditionType = "Deployed"
    /// The message of a running sensor.
    static let runningMessage = "running on sensor-gateway"
    /// The longest message written; longer lists of findings are cut.
    static let messageLimit = 4096

    var reason: Reason
    var message: String
    /// `metadata.generation` of the object the verdict is about.
    var generation: Int64

    /// The verdict on `object` after an apply.
    /// - Parameters:
    ///   - object: the Sensor object.
    ///   - loaded: what loading its definition gave.
    ///   - outcome: what the apply ran and rejected.
    init(on object: KubernetesSensorObjects.Object, loaded: SensorCatalog, outcome: SensorComposer.Outcome) {
        generation = object.generation
        let file = object.file
        let rejected = outcome.set.rejected.filter { $0.file == file }
        if rejected.isEmpty && outcome.set.sensors.contains(where: { $0.location.file == file }) {
            reason = .running
            message = Self.runningMessage
            return
        }
        reason = outcome.unreachableFiles.contains(file) ? .unreachable : .invalid
        let findings = rejected.flatMap(\.findings) + loaded.findings.filter { $0.severity == .error }
        var messages: [String] = []
        for finding in findings where !messages.contains(finding.message) { messages.append(finding.message) }
        if messages.isEmpty { messages = ["no Sensor could be read from the object"] }
        if outcome.set.sensors.contains(where: { $0.location.file == file }) {
            messages.append("the previous version keeps running")
        }
        let joined = messages.joined(separator: "; ")
        message = joined.count > Self.messageLimit ? String(joined.prefix(Self.messageLimit - 1)) + "…" : joined
    }

    /// The merge patch of the status subresource that records this verdict (`status.conditions` with this `Deployed`
    /// condition and the object's other conditions as they are, and `status.observedGeneration`); `nil` when the
    /// status already says so. The transition time is kept while the condition's status stays.
    /// - Parameter now: the time to record a transition at, RFC 3339.
    func statusPatch(over status: EventValue?, now: String) -> EventValue? {
        let conditions = status?["conditions"]?.arrayValue ?? []
        let current = conditions.first { $0["type"]?.stringValue == Self.conditionType }
        let conditionStatus = reason == .running ? "True" : "False"
        let observed: Int64? = if case .int(let number)? = status?["observedGeneration"] { number } else { nil }
        if let current, current["status"]?.stringValue == conditionStatus,
            current["reason"]?.stringValue == reason.rawValue, current["message"]?.stringValue == message,
            observed == generation
        {
            return nil
        }
        let transition =
            current?["status"]?.stringValue == conditionStatus
            ? current?["lastTransitionTime"]?.stringValue ?? now : now
        let condition: EventValue = [
            "type": .string(Self.conditionType), "status": .string(conditionStatus), "reason": .string(reason.rawValue),
            "message": .string(message), "lastTransitionTime": .string(transition),
        ]
        let others = conditions.filter { $0["type"]?.stringValue != Self.conditionType }
        return ["status": ["conditions": .array(others + [condition]), "observedGeneration": .int(generation)]]
    }
}
