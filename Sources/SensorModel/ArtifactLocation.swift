public import EventModel

/// Where the resource of an `argoWorkflow` or `k8s` trigger comes from: its `source` (Argo Events'
/// `ArtifactLocation`). Every kind but `resource` is read when the trigger runs, by the `Artifacts` module.
///
/// The type lives with the Sensor model because it is part of the Sensor spec: it is decoded, with located findings,
/// when the Sensor loads, and again from JSON when template-level parameters rewrote `source` at firing time
/// (``decode(_:path:)``).
public enum ArtifactLocation: Sendable, Hashable {
    /// `source.resource` (a mapping) or `source.inline` (YAML or JSON text, parsed when the Sensor loads).
    case resource(EventValue)
    /// `source.url`: fetched over HTTP(S) (`verifyCert: false` skips TLS verification).
    case url(String, verifyCertificate: Bool)
    /// `source.file`: read from this path.
    case file(String)
    /// `source.configmap`: a key of a ConfigMap, read through the Kubernetes API.
    case configMap(ConfigMapArtifact)
    /// `source.git`: a file of a git repository, from a local clone kept between executions.
    case git(GitArtifact)
    /// `source.s3`: an object of an S3-compatible store.
    case s3(S3Artifact)

    /// The object of `resource` or `inline`; `nil` for a location read when the trigger runs.
    public var inlineResource: EventValue? {
        if case .resource(let value) = self { return value }
        return nil
    }

    /// The YAML key of the kind: `resource`, `url`, `file`, `configmap`, `git`, `s3`.
    public var kind: String {
        switch self {
        case .resource: "resource"
        case .url: "url"
        case .file: "file"
        case .configMap: "configmap"
        case .git: "git"
        case .s3: "s3"
        }
    }
}

/// A key of a Kubernetes Secret (`{name, key}`), read from the file `<secrets directory>/<name>/<key>` where the
/// Secret is mounted.
public struct SecretKeySelector: Sendable, Hashable, CustomStringConvertible {
    /// The Secret's name.
    public var name: String
    /// The key in the Secret.
    public var key: String

    /// Creates a selector.
    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }

    /// `secret <name> key <key>`: what a message may say about it.
    public var description: String { "secret \(name) key \(key)" }
}

/// `source.configmap`.
public struct ConfigMapArtifact: Sendable, Hashable {
    /// `name`.
    public var name: String
    /// `key`: the data key whose value is the resource.
    public var key: String
    /// `namespace` (our extension); `nil`: the Sensor's namespace.
    public var namespace: String?

    /// Creates a location.
    public init(name: String, key: String, namespace: String? = nil) {
        self.name = name
        self.key = key
        self.namespace = namespace
    }
}

/// `source.git`.
public struct GitArtifact: Sendable, Hashable {
    /// What is checked out.
    public enum Revision: Sendable, Hashable {
        /// `branch` (`master` when none of branch, tag and ref is set, as in Argo Events).
        case branch(String)
        /// `tag`.
        case tag(String)
        /// `ref`: a full reference name such as `refs/heads/main` or `refs/pull/7/head`.
        case ref(String)
    }

    /// `creds`: HTTPS basic authentication.
    public struct Credentials: Sendable, Hashable {
        /// `creds.username`.
        public var username: SecretKeySelector
        /// `creds.password` (a password or token).
        public var password: SecretKeySelector

        /// Creates credentials.
        public init(username: SecretKeySelector, password: SecretKeySelector) {
            self.username = username
            self.password = password
        }
    }

    /// `url`: any URL the git CLI takes (`https://`, `ssh://`, `git@host:path`, `file://`).
    public var url: String
    /// `branch`, `tag` or `ref`.
    public var revision: Revision
    /// `filePath`: the file in the repository, relative to its root.
    public var filePath: String
    /// `creds`.
    public var credentials: Credentials?
    /// `sshKeySecret`: the private key for SSH URLs.
    public var sshKeySecret: SecretKeySelector?
    /// `insecureIgnoreHostKey`: SSH without checking the host key.
    public var insecureIgnoreHostKey: Bool

    /// Creates a location.
    public init(
        url: String, revision: Revision = .branch("master"), filePath: String, credentials: Credentials? = nil,
        sshKeySecret: SecretKeySelector? = nil, insecureIgnoreHostKey: Bool = false
    ) {
        self.url = url
        self.revision = revision
        self.filePath = filePath
        self.credentials = credentials
        self.sshKeySecret = sshKeySecret
        self.insecureIgnoreHostKey = insecureIgnoreHostKey
    }
}

/// `source.s3`.
public struct S3Artifact: Sendable, Hashable {
    /// `bucket.name`.
    public var bucket: String
    /// `bucket.key`: the object's key.
    public var key: String
    /// `endpoint`: `host[:port]`, without a scheme.
    public var endpoint: String
    /// `region`, `us-east-1` by default.
    public var region: String
    /// `insecure`: plain HTTP instead of HTTPS.
    public var insecure: Bool
    /// `accessKey`; with ``secretKey``, requests are signed (AWS Signature Version 4); without, they are anonymous.
    public var accessKey: SecretKeySelector?
    /// `secretKey`.
    public var secretKey: SecretKeySelector?

    /// Creates a location.
    public init(
        bucket: String, key: String, endpoint: String, region: String = "us-east-1", insecure: Bool = false,
        accessKey: SecretKeySelector? = nil, secretKey: SecretKeySelector? = nil
    ) {
        self.bucket = bucket
        self.key = key
        self.endpoint = endpoint
        self.region = region
        self.insecure = insecure
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// The object's path-style URL: `http(s)://<endpoint>/<bucket>/<key>`, the key percent-encoded except for `/`
    /// and RFC 3986's unreserved characters (as S3's canonical URI has it).
    public var objectURL: String {
        let scheme = insecure ? "http" : "https"
        var path = ""
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "/"):
                path.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = Array("0123456789ABCDEF")
                path += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0F)])"
            }
        }
        return "\(scheme)://\(endpoint)/\(bucket)/\(path)"
    }
}
