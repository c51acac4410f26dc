import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `metadata` keys the API server sets and `kubectl get -o yaml` exports: accepted without a finding.
    static let serverSetMetadata = [
        "creationTimestamp", "generation", "managedFields", "resourceVersion", "selfLink", "uid",
    ]

    /// `metadata` keys that steer a Kubernetes object's lifecycle, which a sensor read from a file does not have:
    /// accepted, with a warning.
    static let lifecycleMetadata: [String: String] = [
        "ownerReferences": "no garbage collection: sensor-gateway reads sensors from files",
        "finalizers": "no deletion hooks: sensor-gateway reads sensors from files",
        "deletionTimestamp": "the sensor runs until it is removed from the files",
        "deletionGracePeriodSeconds": "the sensor runs until it is removed from the files",
    ]

    /// Reads an ObjectMeta: `name` (required) and `namespace`. `labels` and `annotations` (mappings of strings,
    /// without behaviour here), `generateName` beside a `name` (Kubernetes then ignores it) and the keys the API
    /// server sets are accepted; any other key is `not supported`. The name is empty after an error.
    mutating func decodeMetadata(_ node: YAMLTree) -> (name: String, namespace: String?) {
        guard var metadata = FieldReader(node, path: "metadata", diagnostics: &diagnostics) else {
            diagnostics.error("metadata.name is required", at: node, path: "metadata.name")
            return ("", nil)
        }
        let generateName = metadata.string("generateName", diagnostics: &diagnostics)
        let name = metadata.string("name", required: generateName == nil, diagnostics: &diagnostics) ?? ""
        if name.isEmpty, let generateName {
            diagnostics.error(
                "metadata.name is required (the Kubernetes API server completes generateName '\(generateName)'; "
                    + "a sensor read from a file needs its own name)",
                at: node["name"] ?? node["generateName"] ?? node, path: "metadata.name")
        }
        let namespace = metadata.string("namespace", diagnostics: &diagnostics)
        for key in ["labels", "annotations"] {
            guard let value = metadata.take(key) else { continue }
            guard let entries = value.entries else {
                diagnostics.error("metadata.\(key) must be a mapping", at: value, path: "metadata.\(key)")
                continue
            }
            for entry in entries where entry.value.scalarText == nil && !entry.value.isNull {
                let path = "metadata.\(key).\(entry.key)"
                diagnostics.error("\(path) must be a string", at: entry.value, path: path)
            }
        }
        for key in Self.serverSetMetadata { metadata.ignore(key) }
        for (key, reason) in Self.lifecycleMetadata.sorted(by: { $0.key < $1.key }) {
            if let value = metadata.take(key) {
                diagnostics.warning(
                    "ignored: metadata.\(key) (\(reason))", at: value.location, path: "metadata.\(key)")
            }
        }
        metadata.finish(diagnostics: &diagnostics)
        return (name, namespace)
    }
}
