/// Reads ConfigMaps for `source.configmap`: the gateway fills it with its Kubernetes API client.
public protocol ConfigMapReading: Sendable {
    /// The `data` of the ConfigMap `name` in `namespace`.
    /// - Throws: ``ConfigMapReadError``: not found (404), denied (401/403), or unavailable (anything retryable).
    func configMapData(namespace: String, name: String) async throws(ConfigMapReadError) -> [String: String]
}

/// Why a ConfigMap could not be read.
public struct ConfigMapReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The ConfigMap does not exist (404): permanent.
        case notFound = "not_found"
        /// The API refused the read (401, 403): permanent.
        case denied
        /// The API could not answer now (network, 5xx, 429): retryable.
        case unavailable
    }

    /// The kind of failure.
    public var kind: Kind
    /// The API's explanation (never a token).
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}
