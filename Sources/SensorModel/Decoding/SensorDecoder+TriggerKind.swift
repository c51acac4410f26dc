import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// The trigger kinds sensor-gateway runs, as template keys.
    static let supportedKinds = ["k8s", "argoWorkflow", "http", "nats", "log", "kubeflowPipeline", "route"]

    /// The one trigger kind a template sets; an Argo kind sensor-gateway does not run, none or several are errors.
    mutating func decodeTriggerKind(
        _ template: inout FieldReader, _ templateNode: YAMLTree, path templatePath: String, context: SensorContext
    ) -> TriggerKind? {
        let present = (Self.supportedKinds + Self.unsupportedKinds).filter { templateNode[$0] != nil }
        for key in present where Self.unsupportedKinds.contains(key) {
            _ = template.take(key)
            diagnostics.error(
                "not supported: \(templatePath).\(key) (trigger kind '\(key)'; sensor-gateway runs argoWorkflow, k8s, http, nats, log, kubeflowPipeline and route)",
                at: templateNode.entries?.first { $0.key == key }?.keyLocation ?? templateNode.location,
                path: "\(templatePath).\(key)")
        }
        if present.isEmpty {
            diagnostics.error(
                "\(templatePath) has no trigger of a known kind (argoWorkflow, k8s, http, nats, log, kubeflowPipeline, route)",
                at: templateNode, path: templatePath)
        } else if present.count > 1 {
            diagnostics.error(
                "\(templatePath) sets more than one trigger kind (\(present.joined(separator: ", ")))",
                at: templateNode, path: templatePath)
        } else if let key = present.first, let kindNode = template.take(key) {
            return decodeKind(key, kindNode, path: "\(templatePath).\(key)", context: context)
        }
        return nil
    }

    /// Decodes the section of trigger kind `key`; each kind has its own file.
    private mutating func decodeKind(_ key: String, _ node: YAMLTree, path: String, context: SensorContext)
        -> TriggerKind?
    {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        defer {
            fields.finish(
                diagnostics: &diagnostics,
                hints: [
                    "basicAuth": "Kubernetes secrets are not implemented", "tls": "per-trigger TLS is not implemented",
                    "auth": "per-trigger NATS credentials are not implemented",
                ])
        }
        switch key {
        case "argoWorkflow": return decodeArgoWorkflow(&fields, node, path: path, context: context)
        case "k8s": return decodeK8s(&fields, node, path: path, context: context)
        case "http": return decodeHTTP(&fields, node, path: path, context: context)
        case "nats": return decodeNATS(&fields, node, path: path, context: context)
        case "log": return decodeLog(&fields)
        case "kubeflowPipeline": return decodeKubeflowPipeline(&fields, node, path: path, context: context)
        case "route": return decodeRoute()
        default: return nil
        }
    }
}
