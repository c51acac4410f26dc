/// Why the resource of a trigger `source` could not be read. It names the source (kind and URL, bucket and key,
/// ConfigMap or repository and file), never a credential, and says whether trying again may help.
public struct ArtifactError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The object, key, ConfigMap, file or revision does not exist.
        case notFound = "not_found"
        /// The store refused the credentials (403), or the Kubernetes API refused the read.
        case denied
        /// The store could not be reached or answered with a temporary failure (5xx, 429, a failed git fetch).
        case unavailable
        /// The location cannot be read as given (a symbolic link in a repository, an answer that is not text).
        case invalid
        /// A Secret key the source needs is not mounted.
        case secret
        /// The gateway lacks what the source needs (no Kubernetes API for a ConfigMap).
        case configuration
    }

    /// The kind of failure.
    public var kind: Kind
    /// The source: `s3 http://minio:9000/workflows/hello.yaml`, `configmap argo/workflows key wf`, …
    public var source: String
    /// What went wrong.
    public var message: String
    /// Whether a later attempt may succeed (network failures, 5xx, 429, a failed git fetch); otherwise permanent.
    public var isRetryable: Bool

    /// Creates an error.
    public init(_ kind: Kind, source: String, _ message: String, retryable: Bool = false) {
        self.kind = kind
        self.source = source
        self.message = message
        self.isRetryable = retryable
    }

    /// `source <source>: <message>`.
    public var description: String { "source \(source): \(message)" }
}
