import EventModel
public import HTTPTransport
public import SensorModel

/// Reads the resource text of a trigger `source` (Argo Events' `ArtifactLocation`): one reader per kind, behind
/// ``read(_:namespace:)``. The caller parses the text (YAML or JSON).
///
/// ```swift
/// let reader = ArtifactReader(configuration: .init(secretsDirectory: "/argo-events/secrets"), client: client)
/// let text = try await reader.read(.s3(artifact), namespace: "argo")
/// ```
public final class ArtifactReader: Sendable {
    /// What the readers need.
    ///
    /// - Configuration keys (`config/gateway.yaml`): `secrets.directory` (``secretsDirectory``),
    ///   `artifacts.gitCache` (``gitCacheDirectory``), `artifacts.gitFetchInterval` (``gitFetchInterval``),
    ///   `artifacts.configMapTTL` (``configMapTTL``).
    public struct Configuration: Sendable {
        /// Where Secrets are mounted: `<directory>/<secret name>/<key>` (default `/argo-events/secrets`, as Argo
        /// Events mounts them).
        public var secretsDirectory: String
        /// Where git clones are kept, one per repository URL (default `.sensor-gateway/git`).
        public var gitCacheDirectory: String
        /// How old a clone's last fetch may be before a read fetches again (default 1 minute).
        public var gitFetchInterval: Duration
        /// How long one git command may run before it is killed (default 2 minutes).
        public var gitTimeout: Duration
        /// Reads ConfigMaps; `nil` makes a `configmap` source fail, permanently, saying no Kubernetes API is
        /// configured.
        public var configMaps: (any ConfigMapReading)?
        /// How long a ConfigMap read is reused (default 10 seconds).
        public var configMapTTL: Duration
        /// The monotonic time the caches expire by.
        public var now: @Sendable () -> Duration

        /// Creates a configuration.
        public init(
            secretsDirectory: String = "/argo-events/secrets", gitCacheDirectory: String = ".sensor-gateway/git",
            gitFetchInterval: Duration = .seconds(60), gitTimeout: Duration = .seconds(120),
            configMaps: (any ConfigMapReading)? = nil, configMapTTL: Duration = .seconds(10),
            now: @escaping @Sendable () -> Duration = ArtifactReader.monotonicNow
        ) {
            self.secretsDirectory = secretsDirectory
            self.gitCacheDirectory = gitCacheDirectory
            self.gitFetchInterval = gitFetchInterval
            self.gitTimeout = gitTimeout
            self.configMaps = configMaps
            self.configMapTTL = configMapTTL
            self.now = now
        }
    }

    /// The default clock: time since the first read of it, on the continuous clock.
    public static let monotonicNow: @Sendable () -> Duration = {
        let start = ContinuousClock.now
        return { ContinuousClock.now - start }
    }()

    private let url: URLArtifactReader
    private let file = FileArtifactReader()
    private let s3: S3ArtifactReader
    private let git: GitArtifactReader
    private let configMap: ConfigMapArtifactReader

    /// Creates the readers.
    /// - Parameters:
    ///   - configuration: secrets, caches, the ConfigMap reader.
    ///   - client: the HTTP client of `url` and `s3` sources (the caller shuts it down).
    public init(configuration: Configuration, client: HTTPClient) {
        let secrets = SecretFiles(directory: configuration.secretsDirectory)
        url = URLArtifactReader(client: client)
        s3 = S3ArtifactReader(client: client, secrets: secrets)
        git = GitArtifactReader(
            cacheDirectory: configuration.gitCacheDirectory, fetchInterval: configuration.gitFetchInterval,
            secrets: secrets, timeout: configuration.gitTimeout, now: configuration.now)
        configMap = ConfigMapArtifactReader(
            reader: configuration.configMaps, ttl: configuration.configMapTTL, now: configuration.now)
    }

    /// The text of the resource at `location`: for `resource` (and `inline`), the object as JSON.
    /// - Parameters:
    ///   - location: the trigger's `source`, after template-level parameters.
    ///   - namespace: the namespace of a ConfigMap that names none (the Sensor's).
    /// - Throws: ``ArtifactError`` naming the source, retryable or permanent.
    public func read(_ location: ArtifactLocation, namespace: String) async throws(ArtifactError) -> String {
        switch location {
        case .resource(let value): return JSONCodec.encodeToString(value)
        case .url(let address, let verifyCertificate):
            return try await url.read(url: address, verifyCertificate: verifyCertificate)
        case .file(let path): return try file.read(path: path)
        case .configMap(let artifact): return try await configMap.read(artifact, namespace: namespace)
        case .git(let artifact): return try await git.read(artifact)
        case .s3(let artifact): return try await s3.read(artifact)
        }
    }
}
