/// How a patch body is read by the API server: its `Content-Type`.
public enum PatchStrategy: String, Sendable, CaseIterable {
    /// JSON merge patch (RFC 7386): maps merge, `null` deletes, lists are replaced.
    case merge = "application/merge-patch+json"
    /// Kubernetes strategic merge patch: lists of built-in kinds merge by key (containers by name). Custom resources
    /// (Argo's kinds) reject it with 415.
    case strategicMerge = "application/strategic-merge-patch+json"
    /// JSON patch (RFC 6902): a list of `add`, `remove`, `replace`, `move`, `copy` and `test` operations.
    case json = "application/json-patch+json"
}
