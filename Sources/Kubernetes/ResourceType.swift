import Foundation

/// The REST identity of a kind: its group, version and kind, the lower-case plural that names its collection in
/// paths, and whether its objects live in a namespace.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    /// The API group; empty for the core group (`v1`).
    public var group: String
    /// The version in the group, e.g. `v1`, `v1alpha1`.
    public var version: String
    /// The kind, e.g. `Workflow`.
    public var kind: String
    /// The resource: the lower-case plural in paths, e.g. `workflows`.
    public var plural: String
    /// Whether objects live in a namespace (false for cluster-scoped kinds such as `Namespace`).
    public var namespaced: Bool

    /// A resource type, as discovery or the built-in table describes it.
    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    /// `v1` for the core group, else `group/version`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `workflows.argoproj.io/v1alpha1 (Workflow)`.
    public var description: String {
        (group.isEmpty ? plural : "\(plural).\(group)") + "/\(version) (\(kind))"
    }

    /// The path of the collection (no `name`) or of one object, optionally of its subresource (`status`):
    /// `/api/v1/namespaces/{namespace}/pods/{name}`, `/apis/{group}/{version}/namespaces/{namespace}/{plural}`,
    /// `/api/v1/namespaces/{name}` (cluster-scoped: `namespace` is ignored). A `nil` namespace on a namespaced kind
    /// is the collection across all namespaces (`/api/v1/pods`), for list and watch.
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { path += "/namespaces/" + Self.segment(namespace) }
        path += "/" + plural
        if let name {
            path += "/" + Self.segment(name)
            if let subresource { path += "/" + subresource }
        }
        return path
    }

    /// The discovery document that lists the kinds of `apiVersion`: `/api/v1` or `/apis/{group}/{version}`.
    static func discoveryPath(apiVersion: String) -> String {
        apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
    }

    /// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
    static func split(apiVersion: String) -> (group: String, version: String) {
        guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
        return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
    }

    /// One path segment, percent-encoded (names are DNS labels, but the path must stay a path whatever is given).
    private static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
