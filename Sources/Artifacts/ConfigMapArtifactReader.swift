import SensorModel
import Synchronization

/// `source.configmap`: a key of a ConfigMap, through a ``ConfigMapReading``. A ConfigMap read is reused for a short
/// time-to-live, so a burst of firings reads it once and an edit is seen within that time.
final class ConfigMapArtifactReader: Sendable {
    private let reader: (any ConfigMapReading)?
    private let ttl: Duration
    private let now: @Sendable () -> Duration
    private let cache = Mutex<[String: (data: [String: String], expires: Duration)]>([:])

    init(reader: (any ConfigMapReading)?, ttl: Duration, now: @escaping @Sendable () -> Duration) {
        self.reader = reader
        self.ttl = ttl
        self.now = now
    }

    /// The value of the artifact's key; the ConfigMap is in `artifact.namespace`, else `namespace`.
    func read(_ artifact: ConfigMapArtifact, namespace: String) async throws(ArtifactError) -> String {
        let namespace = artifact.namespace ?? namespace
        let source = "configmap \(namespace)/\(artifact.name) key \(artifact.key)"
        guard let reader else {
            throw ArtifactError(
                .configuration, source: source,
                "no Kubernetes API is configured to read ConfigMaps (mount the ConfigMap and use source.file instead)")
        }
        let cacheKey = "\(namespace)/\(artifact.name)"
        let time = now()
        var data = cache.withLock { cache -> [String: String]? in
            guard let entry = cache[cacheKey], entry.expires > time else { return nil }
            return entry.data
        }
        if data == nil {
            let fetched: [String: String]
            do { fetched = try await reader.configMapData(namespace: namespace, name: artifact.name) } catch {
                switch error.kind {
                case .notFound: throw ArtifactError(.notFound, source: source, "the ConfigMap does not exist")
                case .denied: throw ArtifactError(.denied, source: source, error.message)
                case .unavailable: throw ArtifactError(.unavailable, source: source, error.message, retryable: true)
                }
            }
            let expires = now() + ttl
            cache.withLock { $0[cacheKey] = (fetched, expires) }
            data = fetched
        }
        guard let value = data?[artifact.key] else {
            let keys = (data ?? [:]).keys.sorted()
            throw ArtifactError(
                .notFound, source: source,
                "the ConfigMap has no key \(artifact.key)"
                    + (keys.isEmpty ? "" : " (it has \(keys.joined(separator: ", ")))"))
        }
        return value
    }
}
