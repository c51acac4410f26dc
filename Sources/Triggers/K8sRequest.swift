public import EventModel
import Kubernetes
public import SensorEngine
public import SensorModel

/// The Kubernetes API request a `k8s` trigger's firing stands for, built without contacting a server: what
/// `explain` shows and the outbox records. The object of a create is named and labelled as the executor creates
/// it; an update shows the object merged over the live one when the trigger runs, a JSON patch the object its
/// operations are computed from.
public struct K8sRequest: Sendable, Hashable {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    public var method: String
    /// The path under the API server (`/api/v1/namespaces/default/pods`).
    public var path: String
    /// The body's content type: a patch strategy, else `application/json`.
    public var contentType: String
    /// The body; `nil` for a delete.
    public var body: EventValue?
    /// The object's name.
    public var name: String
    /// Its namespace; `nil` for a cluster-scoped kind.
    public var namespace: String?

    /// The request for `resolved`, for the firing `identity`.
    /// - Parameters:
    ///   - resolved: the trigger's resolved object.
    ///   - identity: the firing (the created object's name and labels).
    ///   - defaultNamespace: the namespace when neither the object nor its sensor names one.
    ///   - actionTimestamp: Argo Events' action-timestamp label value of a create; `nil` leaves it out.
    /// - Throws: ``TriggerError`` when the object names no `apiVersion` or `kind`, is not a mapping, or has no
    ///   `metadata.name` for an operation other than create.
    public static func request(
        _ resolved: ResolvedResource, identity: FiringIdentity, defaultNamespace: String,
        actionTimestamp: String? = nil
    ) throws(TriggerError) -> K8sRequest {
        try K8sRequest.check(resolved)
        let type =
            ResourceType.wellKnown(apiVersion: resolved.apiVersion, kind: resolved.kind)
            ?? Self.guessedType(apiVersion: resolved.apiVersion, kind: resolved.kind)
        let namespace = type.namespaced ? resolved.namespace ?? defaultNamespace : nil
        // Not `type.path`, which percent-encodes: a preview's namespace may be a `{placeholder}`.
        let collection = KubernetesPaths.path(apiVersion: type.apiVersion, plural: type.plural, namespace: namespace)
        switch resolved.operation {
        case .create:
            guard
                let created = KubernetesObjects.created(
                    resolved.resource, identity: identity, actionTimestamp: actionTimestamp)
            else { throw TriggerError(.invalidRequest, "the \(resolved.kind) resource is not a mapping") }
            return K8sRequest(
                method: "POST", path: collection, contentType: "application/json",
                body: created.object, name: created.name, namespace: namespace)
        case .update, .patch, .delete:
            let name = resolved.name ?? ""
            let method = ["update": "PUT", "patch": "PATCH", "delete": "DELETE"][resolved.operation.rawValue] ?? ""
            return K8sRequest(
                method: method, path: collection + "/" + name,
                contentType: resolved.operation == .patch ? resolved.patchStrategy.rawValue : "application/json",
                body: resolved.operation == .delete ? nil : resolved.resource, name: name, namespace: namespace)
        }
    }

    /// A resolved object the executor can act on: `apiVersion` and `kind` set, a mapping, and named unless created.
    /// - Throws: ``TriggerError`` (`invalidRequest`) naming what is missing.
    static func check(_ resolved: ResolvedResource) throws(TriggerError) {
        guard resolved.resource.mapValue != nil else {
            throw TriggerError(.invalidRequest, "the k8s resource is not a mapping")
        }
        for (key, value) in [("apiVersion", resolved.apiVersion), ("kind", resolved.kind)] where value.isEmpty {
            throw TriggerError(.invalidRequest, "the k8s resource has no \(key)")
        }
        if resolved.operation != .create && resolved.name == nil {
            throw TriggerError(
                .invalidRequest,
                "operation \(resolved.operation.rawValue) needs the \(resolved.kind) resource's metadata.name")
        }
    }

    /// The type of a kind outside the built-in table, as Kubernetes guesses a plural; namespaced.
    static func guessedType(apiVersion: String, kind: String) -> ResourceType {
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        return ResourceType(
            group: parts.count == 2 ? parts[0] : "", version: parts.last ?? apiVersion, kind: kind,
            plural: KubernetesPaths.guessedPlural(of: kind), namespaced: true)
    }

    /// `{"method":…,"path":…,"contentType":…,"body":…}`.
    public var json: EventValue {
        var map: EventMap = [
            "method": .string(method), "path": .string(path), "contentType": .string(contentType),
        ]
        if let body { map["body"] = body }
        return .map(map)
    }
}
