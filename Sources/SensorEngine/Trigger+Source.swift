public import EventModel
public import SensorModel

extension Trigger {
    /// The `source` of an `argoWorkflow` or `k8s` trigger once template-level parameters are applied (Argo Events
    /// applies them to the template before it reads the source, so a parameter may name the S3 bucket, key or
    /// endpoint, or the git branch); `nil` for other kinds.
    ///
    /// When no parameter changed `source`, this is the location decoded with the Sensor.
    /// - Parameter events: the events the trigger fired with, by dependency name.
    /// - Throws: ``ParameterError`` when a parameter does not resolve, or when the rewritten `source` is no longer a
    ///   valid location (the destination names the parameters that wrote into `source`, the reason each invalid
    ///   field).
    public func resolvedSource(events: [String: Event]) throws(ParameterError) -> ArtifactLocation? {
        let decoded: ArtifactLocation
        switch kind {
        case .argoWorkflow(let argo): decoded = argo.source
        case .k8s(let k8s): decoded = k8s.source
        case .http, .nats, .log, .kubeflowPipeline, .route: return nil
        }
        let prefix = "\(kind.key).source"
        let writers = parameters.filter { $0.destination == prefix || $0.destination.hasPrefix(prefix + ".") }
        guard !writers.isEmpty else { return decoded }
        var template = self.template
        try parameters.apply(events: events, to: &template)
        let original = self.template[kind.key]?["source"]
        guard let rewritten = template[kind.key]?["source"], rewritten != original else { return decoded }
        do {
            return try ArtifactLocation.decode(rewritten, path: prefix)
        } catch {
            throw ParameterError(
                destination: writers.map(\.destination).joined(separator: ", "), reason: error.description)
        }
    }
}
