import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `argoWorkflow`: `operation` (submit by default), `parameters` and the Workflow `source`.
    mutating func decodeArgoWorkflow(
        _ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext
    ) -> TriggerKind? {
        let operationText = fields.string("operation", diagnostics: &diagnostics) ?? ""
        var operation = ArgoWorkflowTrigger.Operation.submit
        if !operationText.isEmpty {
            guard let parsed = ArgoWorkflowTrigger.Operation(rawValue: operationText) else {
                diagnostics.error(
                    "\(path).operation '\(operationText)' is not one of \(ArgoWorkflowTrigger.Operation.allCases.map(\.rawValue).joined(separator: ", "))",
                    at: node["operation"] ?? node, path: "\(path).operation")
                return nil
            }
            operation = parsed
        }
        let arguments = decodeArguments(&fields, path: path, operation: operation)
        guard let workflow = decodeWorkflowSource(&fields, node, path: path, context: context), let arguments else {
            return nil
        }
        if operation != .submit, let resource = workflow.source.inlineResource {
            checkResource(resource, for: operation, at: workflow.sourceNode, path: path)
        }
        return .argoWorkflow(
            ArgoWorkflowTrigger(
                operation: operation, source: workflow.source, parameters: workflow.parameters, arguments: arguments))
    }

    /// The flags `argo submit` takes that set a field of the submitted Workflow, by spelling.
    private static let argumentFlags: [String: String] = [
        "--entrypoint": "entrypoint", "-p": "parameter", "--parameter": "parameter",
        "--serviceaccount": "serviceaccount", "-l": "labels", "--labels": "labels",
        "--generate-name": "generate-name", "--name": "name", "--priority": "priority",
    ]

    /// `args`: each flag with its value (`--flag value` or `--flag=value`); a flag with no REST meaning, or one the
    /// operation does not take (`submit-from` takes only parameters, other operations none), is an error naming it.
    /// - Returns: the arguments, or `nil` after an error.
    private mutating func decodeArguments(
        _ fields: inout FieldReader, path: String, operation: ArgoWorkflowTrigger.Operation
    ) -> [ArgoWorkflowTrigger.Argument]? {
        let items = fields.list("args", diagnostics: &diagnostics) ?? []
        var arguments: [ArgoWorkflowTrigger.Argument] = []
        var index = 0
        while index < items.count {
            let (node, itemPath) = items[index]
            index += 1
            let text = node.scalarText ?? ""
            var flag = text
            var value: String?
            if text.hasPrefix("--"), let equals = text.firstIndex(of: "=") {
                flag = String(text[..<equals])
                value = String(text[text.index(after: equals)...])
            }
            if flag == "--node-field-selector" && operation == .submit {
                if value == nil, index < items.count { index += 1 }
                diagnostics.warning(
                    "ignored: \(itemPath) '\(flag)': it selects the nodes of argo retry and resubmit; a submitted workflow has none",
                    at: node.location, path: itemPath)
                continue
            }
            guard let kind = Self.argumentFlags[flag] else {
                diagnostics.error(
                    "not supported: \(itemPath) '\(text)': the argo argument has no REST equivalent (supported: --entrypoint, -p/--parameter, --serviceaccount, -l/--labels, --generate-name, --name, --priority)",
                    at: node, path: itemPath)
                return nil
            }
            guard operation == .submit || (operation == .submitFrom && kind == "parameter") else {
                diagnostics.error(
                    "not supported: \(itemPath) '\(flag)' with operation \(operation.rawValue): only submit takes args (submit-from takes -p/--parameter)",
                    at: node, path: itemPath)
                return nil
            }
            if value == nil, index < items.count, let next = items[index].0.scalarText {
                value = next
                index += 1
            }
            guard let value, !value.isEmpty else {
                diagnostics.error("\(itemPath): argo argument '\(flag)' needs a value", at: node, path: itemPath)
                return nil
            }
            guard let parsed = Self.argument(kind, value) else {
                diagnostics.error(
                    "\(itemPath): argo argument '\(flag)' value '\(value)' is not \(kind == "priority" ? "an integer" : "key=value")",
                    at: node, path: itemPath)
                return nil
            }
            arguments += parsed
        }
        return arguments
    }

    /// The arguments of one flag's value; `nil` when it does not parse.
    private static func argument(_ kind: String, _ value: String) -> [ArgoWorkflowTrigger.Argument]? {
        func pair(_ text: Substring) -> (String, String)? {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return nil }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }
        switch kind {
        case "entrypoint": return [.entrypoint(value)]
        case "serviceaccount": return [.serviceAccount(value)]
        case "generate-name": return [.generateName(value)]
        case "name": return [.name(value)]
        case "priority": return Int32(value).map { [.priority(Int($0))] }
        case "parameter": return pair(Substring(value)).map { [.parameter(name: $0.0, value: $0.1)] }
        default:
            let labels = value.split(separator: ",").map(pair)
            guard !labels.isEmpty, labels.allSatisfy({ $0 != nil }) else { return nil }
            return labels.compactMap { $0.map { .label(key: $0.0, value: $0.1) } }
        }
    }

    /// The `parameters` and `source` of an `argoWorkflow` or `k8s` trigger.
    mutating func decodeWorkflowSource(
        _ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext
    ) -> (parameters: [TriggerParameter], sourceNode: YAMLTree, source: ArtifactLocation)? {
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        guard let sourceNode = fields.take("source") else {
            diagnostics.error("\(path).source is required", at: node, path: "\(path).source")
            return nil
        }
        guard let source = decodeArtifact(sourceNode, path: "\(path).source") else { return nil }
        return (parameters, sourceNode, source)
    }

    /// An operation other than submit acts on a named resource; submit-from needs a template or cron workflow.
    private mutating func checkResource(
        _ resource: EventValue, for operation: ArgoWorkflowTrigger.Operation, at sourceNode: YAMLTree, path: String
    ) {
        let resourceKind = resource["kind"]?.stringValue ?? ""
        if operation == .submitFrom
            && !["CronWorkflow", "WorkflowTemplate", "ClusterWorkflowTemplate"].contains(resourceKind)
        {
            diagnostics.error(
                "\(path): submit-from needs a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow resource, not '\(resourceKind)'",
                at: sourceNode, path: "\(path).source")
        }
        if (resource["metadata"]?["name"]?.stringValue ?? "").isEmpty {
            diagnostics.error(
                "\(path): operation \(operation.rawValue) needs metadata.name (generateName works only with submit)",
                at: sourceNode, path: "\(path).source")
        }
    }
}
