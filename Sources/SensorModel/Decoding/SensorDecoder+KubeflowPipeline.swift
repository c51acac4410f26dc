import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    mutating func decodeKubeflowPipeline(
        _ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext
    ) -> TriggerKind? {
        let pipelineID = fields.string("pipelineId", diagnostics: &diagnostics)
        let pipelineName = fields.string("pipelineName", diagnostics: &diagnostics)
        let versionID = fields.string("pipelineVersionId", diagnostics: &diagnostics)
        let versionName = fields.string("pipelineVersionName", diagnostics: &diagnostics)
        let experimentID = fields.string("experimentId", diagnostics: &diagnostics)
        let experimentName = fields.string("experimentName", diagnostics: &diagnostics)
        let namespace = fields.string("namespace", diagnostics: &diagnostics)
        let serviceAccount = fields.string("serviceAccount", diagnostics: &diagnostics)
        let pipelineRoot = fields.string("pipelineRoot", diagnostics: &diagnostics)
        let description = fields.string("description", diagnostics: &diagnostics)
        var runtimeParameters = EventMap()
        if let parametersNode = fields.take("runtimeParameters") {
            if case .map(let map) = parametersNode.eventValue {
                runtimeParameters = map
            } else {
                diagnostics.error(
                    "\(path).runtimeParameters must be a mapping", at: parametersNode, path: "\(path).runtimeParameters"
                )
            }
        }
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        let writable = [
            "pipelineId", "pipelineName", "pipelineVersionId", "pipelineVersionName", "experimentId", "experimentName",
            "namespace", "runtimeParameters", "serviceAccount", "pipelineRoot", "description",
        ]
        for parameter in parameters {
            let first = (try? SetPath(parameter.destination))?.components.first
            if case .key(let name)? = first, writable.contains(name) { continue }
            diagnostics.error(
                "\(path).parameters: dest '\(parameter.destination)' is not a kubeflowPipeline field "
                    + "(\(writable.joined(separator: ", ")))",
                at: parameter.location, path: "\(path).parameters")
        }
        for (first, second, what) in [
            (pipelineID, pipelineName, "pipelineId and pipelineName"),
            (versionID, versionName, "pipelineVersionId and pipelineVersionName"),
            (experimentID, experimentName, "experimentId and experimentName"),
        ] where first != nil && second != nil {
            diagnostics.error("\(path) sets both \(what); set one", at: node, path: path)
        }
        let pipelineSet = [pipelineID, pipelineName].contains { !($0 ?? "").isEmpty }
        let parameterSetsPipeline = parameters.contains { ["pipelineId", "pipelineName"].contains($0.destination) }
        if !pipelineSet && !parameterSetsPipeline {
            diagnostics.error("\(path) needs pipelineId or pipelineName", at: node, path: "\(path).pipelineName")
            return nil
        }
        return .kubeflowPipeline(
            KubeflowPipelineTrigger(
                pipelineID: pipelineID, pipelineName: pipelineName, pipelineVersionID: versionID,
                pipelineVersionName: versionName, experimentID: experimentID, experimentName: experimentName,
                namespace: namespace, runtimeParameters: runtimeParameters, serviceAccount: serviceAccount,
                pipelineRoot: pipelineRoot, description: description, parameters: parameters))
    }
}
