public import EventModel
import SensorLanguage
public import SensorModel

/// The object of a `k8s` trigger with its parameters applied: what the Kubernetes API is asked to create, update,
/// patch or delete.
public struct ResolvedResource: Sendable, Hashable {
    /// The operation (possibly set by a template-level parameter).
    public var operation: K8sTrigger.Operation
    /// The patch's content type (with `patch`).
    public var patchStrategy: K8sTrigger.PatchStrategy
    /// With `update`: the parameters apply to the live object when the trigger runs, not to ``resource``.
    public var liveObject: Bool
    /// The object, parameters applied (unless ``liveObject``).
    public var resource: EventValue
    /// `metadata.namespace`, else the sensor's namespace; `nil` leaves it to the Kubernetes connection's default.
    public var namespace: String?

    /// `apiVersion` (`v1`, `batch/v1`, `argoproj.io/v1alpha1`).
    public var apiVersion: String { resource["apiVersion"]?.stringValue ?? "" }
    /// `kind`.
    public var kind: String { resource["kind"]?.stringValue ?? "" }
    /// `metadata.name` when set and not empty.
    public var name: String? {
        resource["metadata"]?["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The request as the engine resolves it, before the executor names a created object after the firing, labels
    /// it and reads the live object: the path uses Kubernetes' guess of the kind's plural
    /// (``KubernetesPaths/guessedPlural(of:)``) and `{kubernetes.namespace}` when no namespace is known.
    var action: TriggerAction {
        let namespace = KubernetesPaths.clusterScopedKinds.contains(kind) ? nil : namespace ?? "{kubernetes.namespace}"
        let plural = KubernetesPaths.guessedPlural(of: kind)
        let collection = KubernetesPaths.path(apiVersion: apiVersion, plural: plural, namespace: namespace)
        let item = collection + "/" + (name ?? "")
        func action(_ method: String, _ path: String, _ body: EventValue?, contentType: String? = nil)
            -> TriggerAction
        {
            TriggerAction(
                engine: .kubernetes, method: method, path: path, url: nil, subject: nil, headers: [:],
                contentType: contentType, body: body.map(TriggerAction.Body.json))
        }
        switch operation {
        case .create: return action("POST", collection, resource)
        case .update: return action("PUT", item, resource)
        case .patch: return action("PATCH", item, resource, contentType: patchStrategy.rawValue)
        case .delete: return action("DELETE", item, nil)
        }
    }
}

/// Kubernetes REST paths from plain values.
public enum KubernetesPaths {
    /// Kinds without a namespace among those a trigger commonly names.
    static let clusterScopedKinds: Set<String> = [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
        "CustomResourceDefinition", "PriorityClass", "ClusterWorkflowTemplate",
    ]

    /// Kubernetes' own guess of a kind's resource name (`UnsafeGuessKindToResource`): lower-cased, `es` after a
    /// final `s`, `ies` for a final `y`, else `s` (`Pod` → `pods`, `Ingress` → `ingresses`, `NetworkPolicy` →
    /// `networkpolicies`; `Endpoints` stays).
    public static func guessedPlural(of kind: String) -> String {
        let singular = kind.lowercased()
        if singular.hasSuffix("endpoints") { return singular }
        if singular.hasSuffix("s") { return singular + "es" }
        if singular.hasSuffix("y") { return singular.dropLast() + "ies" }
        return singular + "s"
    }

    /// `/api/v1[/namespaces/{ns}]/{plural}` for the core group, else `/apis/{group}/{version}[/namespaces/{ns}]/{plural}`.
    public static func path(apiVersion: String, plural: String, namespace: String?) -> String {
        let prefix = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        return prefix + (namespace.map { "/namespaces/\($0)" } ?? "") + "/" + plural
    }
}

extension Trigger {
    /// The object of a `k8s` trigger after parameters: template-level parameters (which may change `k8s.operation`,
    /// `k8s.patchStrategy`, `k8s.liveObject` or `k8s.source.resource`), then the kind's own, except with
    /// `liveObject` (``applyResourceParameters(events:to:)`` applies them to the live object); `nil` for other
    /// kinds.
    /// - Parameters:
    ///   - events: the events the trigger fired with, by dependency name.
    ///   - sensor: the sensor (its namespace is the default).
    ///   - fetched: the resource read from `source.url` or `source.file`; `nil` uses the inline resource.
    /// - Throws: ``ParameterError`` when a parameter cannot be resolved or applied.
    public func resolvedResource(events: [String: Event], sensor: Sensor, fetched: EventValue? = nil)
        throws(ParameterError) -> ResolvedResource?
    {
        guard case .k8s(let trigger) = kind else { return nil }
        var template = self.template
        try parameters.apply(events: events, to: &template)
        return try resolveResource(
            trigger, section: template[kind.key] ?? .map([:]), events: events, sensor: sensor, fetched: fetched)
    }

    /// Applies the `k8s` trigger's own parameters to `object` (the live object of a `liveObject` update).
    /// - Throws: ``ParameterError`` when a parameter cannot be resolved or applied.
    public func applyResourceParameters(events: [String: Event], to object: inout EventValue) throws(ParameterError) {
        try kind.parameters.apply(events: events, to: &object)
    }

    /// ``resolvedResource(events:sensor:fetched:)`` once template-level parameters gave `section`, the trigger's
    /// part of the template.
    func resolveResource(
        _ trigger: K8sTrigger, section: EventValue, events: [String: Event], sensor: Sensor, fetched: EventValue?
    ) throws(ParameterError) -> ResolvedResource {
        var resource = fetched ?? trigger.resource
        if let edited = section["source"]?["resource"], case .map = edited { resource = edited }
        let operation =
            section["operation"]?.stringValue.flatMap(K8sTrigger.Operation.init(rawValue:)) ?? trigger.operation
        let strategy =
            section["patchStrategy"]?.stringValue.flatMap(K8sTrigger.PatchStrategy.init(rawValue:))
            ?? trigger.patchStrategy
        var liveObject = trigger.liveObject
        if case .bool(let edited) = section["liveObject"] ?? .null { liveObject = edited }
        liveObject = liveObject && operation == .update
        if !liveObject { try trigger.parameters.apply(events: events, to: &resource) }
        let namespace = resource["metadata"]?["namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return ResolvedResource(
            operation: operation, patchStrategy: strategy, liveObject: liveObject, resource: resource,
            namespace: namespace ?? sensor.namespace)
    }
}
