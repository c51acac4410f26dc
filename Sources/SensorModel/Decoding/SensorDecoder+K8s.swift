import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `k8s`: only `operation: create` of an `argoproj.io` Workflow, submitted as the argoWorkflow trigger does.
    mutating func decodeK8s(_ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext)
        -> TriggerKind?
    {
        let operationText = fields.string("operation", diagnostics: &diagnostics) ?? ""
        if !operationText.isEmpty && operationText != "create" {
            diagnostics.error(
                "not supported: \(path).operation '\(operationText)' (only create of a Workflow)",
                at: node["operation"] ?? node,
                path: "\(path).operation")
            return nil
        }
        guard let workflow = decodeWorkflowSource(&fields, node, path: path, context: context) else { return nil }
        if let resource = workflow.source.inlineResource, let refusal = ArgoWorkflowTrigger.k8sRefusal(of: resource) {
            diagnostics.error(
                "not supported: \(path) creating \(refusal)", at: workflow.sourceNode, path: "\(path).source")
            return nil
        }
        return .k8sWorkflow(
            ArgoWorkflowTrigger(
                operation: .submit, source: workflow.source, parameters: workflow.parameters, arguments: []))
    }
}
