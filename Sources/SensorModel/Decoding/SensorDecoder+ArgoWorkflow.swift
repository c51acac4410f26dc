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
        if operation != .submit && workflow.source == .inline {
            checkResource(workflow.resource, for: operation, at: workflow.sourceNode, path: path)
        }
        return .argoWorkflow(
            ArgoWorkflowTrigger(
                operation: operation, source: workflow.source, resource: workflow.resource,
                parameters: workflow.parameters, arguments: arguments))
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
    ) -> (
        parameters: [TriggerParameter], sourceNode: YAMLTree, resource: EventValue, source: ArgoWorkflowTrigger.Source
    )? {
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        guard let sourceNode = fields.take("source") else {
            diagnostics.error("\(path).source is required", at: node, path: "\(path).source")
            return nil
        }
        guard let (resource, source) = decodeArtifact(sourceNode, path: "\(path).source") else { return nil }
        return (parameters, sourceNode, resource, source)
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

    /// The Workflow of `source`: `resource` or `inline` (parsed now), `url` or `file` (read when the trigger runs).
    mutating func decodeArtifact(_ node: YAMLTree, path: String) -> (EventValue, ArgoWorkflowTrigger.Source)? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        defer {
            fields.finish(
                diagnostics: &diagnostics,
                hints: [
                    "configmap": "Kubernetes ConfigMaps are not read; inline the resource, or use file or url",
                    "git": "git sources are not implemented; inline the resource, or use file or url",
                    "s3": "S3 sources are not implemented; inline the resource, or use file or url",
                ])
        }
        if let resource = fields.take("resource") {
            guard resource.entries != nil else {
                diagnostics.error("\(path).resource must be a mapping", at: resource, path: "\(path).resource")
                return nil
            }
            return (resource.eventValue, .inline)
        }
        if let urlNode = fields.take("url"),
            var url = FieldReader(urlNode, path: "\(path).url", diagnostics: &diagnostics)
        {
            let location = url.string("path", required: true, diagnostics: &diagnostics)
            // Argo Events' field is `verifyCert`; its own url-sensor example writes `verifycert`, which works there
            // because Go's encoding/json matches field names regardless of case.
            let verifyCert = url.bool("verifyCert", diagnostics: &diagnostics)
            let lowerCase = url.bool("verifycert", diagnostics: &diagnostics)
            url.finish(diagnostics: &diagnostics)
            if verifyCert != nil && lowerCase != nil {
                diagnostics.error(
                    "\(path).url sets both verifyCert and verifycert (one field in Argo Events); set verifyCert",
                    at: urlNode.entries?.first { $0.key == "verifycert" }?.keyLocation ?? urlNode.location,
                    path: "\(path).url.verifycert")
                return nil
            }
            let verify = verifyCert ?? lowerCase ?? true
            guard let location else { return nil }
            guard location.hasPrefix("http://") || location.hasPrefix("https://") else {
                diagnostics.error(
                    "\(path).url.path '\(location)' must be an http:// or https:// URL", at: urlNode,
                    path: "\(path).url.path")
                return nil
            }
            return (.map([:]), .url(location, verifyCertificate: verify))
        }
        if let fileNode = fields.take("file"),
            var file = FieldReader(fileNode, path: "\(path).file", diagnostics: &diagnostics)
        {
            let location = file.string("path", required: true, diagnostics: &diagnostics)
            file.finish(diagnostics: &diagnostics)
            guard let location else { return nil }
            return (.map([:]), .file(location))
        }
        if let inline = fields.take("inline") {
            guard let text = inline.scalarText else {
                diagnostics.error("\(path).inline must be a string", at: inline, path: "\(path).inline")
                return nil
            }
            do {
                let documents = try YAMLTree.documents(of: text, file: inline.location.file)
                guard documents.count == 1, let document = documents.first, document.entries != nil else {
                    diagnostics.error(
                        "\(path).inline must hold one YAML or JSON object", at: inline, path: "\(path).inline")
                    return nil
                }
                return (document.eventValue, .inline)
            } catch {
                diagnostics.error("\(path).inline: \(error.message)", at: inline, path: "\(path).inline")
                return nil
            }
        }
        if !["configmap", "git", "s3"].contains(where: { node[$0] != nil }) {
            diagnostics.error("\(path) must set resource or inline", at: node, path: path)
        }
        return nil
    }
}
