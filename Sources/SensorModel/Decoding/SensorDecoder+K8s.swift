import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `k8s`: `operation` (create by default), `patchStrategy` (merge patch by default), `liveObject`, `parameters`
    /// and the resource's `source`. An inline resource needs `apiVersion` and `kind`, and a `metadata.name` for
    /// every operation but create.
    mutating func decodeK8s(_ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext)
        -> TriggerKind?
    {
        let operation = decodeChoice(
            K8sTrigger.Operation.self, &fields, "operation", node, path: path, default: .create)
        let patchStrategy = decodeChoice(
            K8sTrigger.PatchStrategy.self, &fields, "patchStrategy", node, path: path, default: .merge)
        let liveObject = fields.bool("liveObject", diagnostics: &diagnostics) ?? false
        guard let source = decodeWorkflowSource(&fields, node, path: path, context: context), let operation,
            let patchStrategy
        else { return nil }
        if node["patchStrategy"] != nil && operation != .patch {
            diagnostics.warning(
                "\(path).patchStrategy has no effect with operation \(operation.rawValue) (only with patch)",
                at: node["patchStrategy"]?.location ?? node.location, path: "\(path).patchStrategy")
        }
        if liveObject && operation != .update {
            diagnostics.warning(
                "\(path).liveObject has no effect with operation \(operation.rawValue) (only with update)",
                at: node["liveObject"]?.location ?? node.location, path: "\(path).liveObject")
        }
        if let resource = source.source.inlineResource {
            checkK8sResource(resource, for: operation, at: source.sourceNode, path: path)
        }
        return .k8s(
            K8sTrigger(
                operation: operation, source: source.source, parameters: source.parameters,
                patchStrategy: patchStrategy, liveObject: liveObject))
    }

    /// A string field that must be one of `Choice`'s raw values; `fallback` when absent or empty.
    /// - Returns: the choice, or `nil` after an error listing the allowed values.
    private mutating func decodeChoice<Choice: RawRepresentable & CaseIterable>(
        _: Choice.Type, _ fields: inout FieldReader, _ key: String, _ node: YAMLTree, path: String,
        default fallback: Choice
    ) -> Choice? where Choice.RawValue == String {
        let text = fields.string(key, diagnostics: &diagnostics) ?? ""
        guard !text.isEmpty else { return fallback }
        guard let choice = Choice(rawValue: text) else {
            diagnostics.error(
                "\(path).\(key) '\(text)' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))",
                at: node[key] ?? node, path: "\(path).\(key)")
            return nil
        }
        return choice
    }

    /// The object a `k8s` trigger acts on names its type, and, unless it is created, itself.
    private mutating func checkK8sResource(
        _ resource: EventValue, for operation: K8sTrigger.Operation, at sourceNode: YAMLTree, path: String
    ) {
        for key in ["apiVersion", "kind"] where (resource[key]?.stringValue ?? "").isEmpty {
            diagnostics.error(
                "\(path).source: the resource needs \(key)", at: sourceNode, path: "\(path).source.resource.\(key)")
        }
        if operation != .create && (resource["metadata"]?["name"]?.stringValue ?? "").isEmpty {
            diagnostics.error(
                "\(path).source: operation \(operation.rawValue) needs the resource's metadata.name (generateName "
                    + "works only with create)",
                at: sourceNode, path: "\(path).source.resource.metadata.name")
        }
    }
}
