import EventModel
import Synchronization

extension KubernetesClient {
    /// The resource type of `kind` in `apiVersion`: from the built-in table of well-known kinds
    /// (``ResourceType/wellKnown(apiVersion:kind:)``), else from the server's discovery document (`/api/v1`,
    /// `/apis/{group}/{version}`), read once per apiVersion and kept.
    /// - Throws: ``KubernetesError``: `unknownKind` when the server does not serve the kind (or the apiVersion).
    public func resourceType(apiVersion: String, kind: String) async throws(KubernetesError) -> ResourceType {
        if let known = ResourceType.wellKnown(apiVersion: apiVersion, kind: kind) { return known }
        if let kinds = discovered.withLock({ $0[apiVersion] }) {
            guard let type = kinds[kind] else { throw unknown(apiVersion: apiVersion, kind: kind) }
            return type
        }
        let document: EventValue
        do {
            document = try await send(
                "GET", ResourceType.discoveryPath(apiVersion: apiVersion), object: "\(apiVersion) \(kind)")
        } catch  where error.kind == .notFound {
            throw unknown(apiVersion: apiVersion, kind: kind)
        }
        let (group, version) = ResourceType.split(apiVersion: apiVersion)
        var kinds: [String: ResourceType] = [:]
        for resource in document["resources"]?.arrayValue ?? [] {
            // Subresources (`pods/status`) are listed beside their resources.
            guard let plural = resource["name"]?.stringValue, !plural.contains("/"),
                let resourceKind = resource["kind"]?.stringValue, kinds[resourceKind] == nil
            else { continue }
            kinds[resourceKind] = ResourceType(
                group: group, version: version, kind: resourceKind, plural: plural,
                namespaced: resource["namespaced"] == .bool(true))
        }
        discovered.withLock { $0[apiVersion] = kinds }
        guard let type = kinds[kind] else { throw unknown(apiVersion: apiVersion, kind: kind) }
        return type
    }

    private func unknown(apiVersion: String, kind: String) -> KubernetesError {
        KubernetesError(
            .unknownKind, message: "the server serves no kind \(kind) in \(apiVersion)",
            object: "\(apiVersion) \(kind)")
    }
}
