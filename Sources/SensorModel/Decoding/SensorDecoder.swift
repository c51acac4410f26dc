import ConfigReader
import EventModel
import SensorLanguage

/// Decodes one YAML document into a ``Sensor``, collecting findings instead of stopping at the first.
///
/// One file per part of a Sensor: metadata, dependencies, filters, the trigger and its policy, one file per trigger
/// kind, parameters.
struct SensorDecoder {
    var diagnostics = Diagnostics()

    /// Fields of a SensorSpec that concern Kubernetes deployment, not event processing: accepted, with a warning.
    static let deploymentFields: [String: String] = [
        "template": "pod settings do not apply: sensor-gateway runs all sensors in one deployment",
        "replicas": "sensor-gateway scales through its JetStream consumers, not per-sensor replicas",
        "eventBusName": "the JetStream stream comes from the gateway configuration",
        "revisionHistoryLimit": "no per-sensor deployment",
        "loggingFields": "log fields come from the gateway configuration",
        "errorOnFailedRound": "no effect in Argo Events either",
    ]

    /// Trigger kinds Argo Events has and sensor-gateway does not execute.
    static let unsupportedKinds = [
        "awsLambda", "custom", "kafka", "slack", "openWhisk", "azureEventHubs", "pulsar", "azureServiceBus", "email",
    ]

    /// Decodes a document; `nil` when it is not a Sensor (with a warning) or has errors.
    mutating func decode(_ document: YAMLTree) -> Sensor? {
        guard var root = FieldReader(document, path: "", diagnostics: &diagnostics) else { return nil }
        let apiVersion = root.string("apiVersion", diagnostics: &diagnostics)
        let kind = root.string("kind", diagnostics: &diagnostics)
        guard kind == "Sensor" else {
            diagnostics.warning(
                "skipped: kind \(kind.map { "'\($0)'" } ?? "missing"), not a Sensor", at: document.location,
                path: "kind")
            return nil
        }
        if apiVersion != "argoproj.io/v1alpha1" {
            diagnostics.error(
                "apiVersion must be argoproj.io/v1alpha1, not '\(apiVersion ?? "")'",
                at: document["apiVersion"] ?? document, path: "apiVersion")
        }
        var name = ""
        var namespace: String?
        if let metadataNode = root.take("metadata") {
            (name, namespace) = decodeMetadata(metadataNode)
        } else {
            diagnostics.error("metadata.name is required", at: document, path: "metadata.name")
        }
        root.ignore("status")
        guard let specNode = root.take("spec") else {
            diagnostics.error("spec is required", at: document, path: "spec")
            root.finish(diagnostics: &diagnostics)
            return nil
        }
        root.finish(diagnostics: &diagnostics)
        guard var spec = FieldReader(specNode, path: "spec", diagnostics: &diagnostics) else { return nil }
        for (key, reason) in Self.deploymentFields.sorted(by: { $0.key < $1.key }) {
            if let value = spec.take(key) {
                diagnostics.warning("ignored: spec.\(key) (\(reason))", at: value.location, path: "spec.\(key)")
            }
        }
        var dependencies: [Dependency] = []
        if let elements = spec.list("dependencies", diagnostics: &diagnostics), !elements.isEmpty {
            for (node, path) in elements {
                if let dependency = decodeDependency(node, path: path) { dependencies.append(dependency) }
            }
        } else {
            diagnostics.error(
                "spec.dependencies must list at least one dependency", at: specNode, path: "spec.dependencies")
        }
        var triggers: [Trigger] = []
        let triggerElements = spec.list("triggers", diagnostics: &diagnostics) ?? []
        if triggerElements.isEmpty {
            diagnostics.error("spec.triggers must list at least one trigger", at: specNode, path: "spec.triggers")
        }
        let context = SensorContext(dependencies: dependencies)
        for (node, path) in triggerElements {
            if let trigger = decodeTrigger(node, path: path, context: context) { triggers.append(trigger) }
        }
        spec.finish(diagnostics: &diagnostics)
        checkDuplicates(dependencies.map { ($0.name, $0.location) }, what: "dependency", path: "spec.dependencies")
        checkDuplicates(triggers.map { ($0.name, $0.location) }, what: "trigger", path: "spec.triggers")
        guard !diagnostics.hasErrors else { return nil }
        return Sensor(
            name: name, namespace: namespace, location: document.location, dependencies: dependencies,
            triggers: triggers)
    }

    private mutating func checkDuplicates(_ names: [(String, SourceLocation)], what: String, path: String) {
        var seen: [String: SourceLocation] = [:]
        for (name, location) in names {
            if let first = seen[name] {
                diagnostics.error(
                    "duplicate \(what) name '\(name)' (first at \(first.line):\(first.column))", at: location,
                    path: path)
            } else {
                seen[name] = location
            }
        }
    }

    struct SensorContext {
        let dependencies: [Dependency]

        func resolve(_ name: String) -> String? {
            dependencies.first { $0.name == name }?.name
                ?? dependencies.first { Sensor.lookupKey($0.name) == Sensor.lookupKey(name) }?.name
        }
    }

    mutating func parsePath(_ text: String, at node: YAMLTree, path: String) -> GJSONPath? {
        do { return try GJSONPath(text) } catch {
            diagnostics.error("\(path): \(error)", at: node, path: path)
            return nil
        }
    }

    mutating func parseTemplate(_ text: String, at node: YAMLTree, path: String) -> GoTemplate? {
        do { return try GoTemplate(text) } catch {
            diagnostics.error("\(path): \(error)", at: node, path: path)
            return nil
        }
    }
}
