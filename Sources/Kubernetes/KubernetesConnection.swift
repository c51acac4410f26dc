import Foundation
public import HTTPTransport

/// Where the Kubernetes API server is and how to authenticate to it; resolved once at start by
/// ``resolve(settings:environment:homeDirectory:serviceAccountDirectory:)``.
///
/// Its `description` names the origin, server and namespace only; the token is never printed.
public struct KubernetesConnection: Sendable, Hashable, CustomStringConvertible {
    /// Where the connection came from.
    public enum Origin: Sendable, Hashable {
        /// The `kubernetes:` section of the gateway's configuration (`server`).
        case explicit
        /// The pod's service account (`KUBERNETES_SERVICE_HOST`, the token file).
        case inCluster
        /// A kubeconfig file (its current context).
        case kubeconfig(path: String)
    }

    /// Where the connection came from.
    public var origin: Origin
    /// The API server's URL, e.g. `https://10.0.0.1:443` or `http://127.0.0.1:8001`.
    public var server: String
    /// The default namespace: the pod's, the kubeconfig context's, `kubernetes.namespace`, else `default`.
    public var namespace: String
    /// The bearer token: a file (read again whenever it changes, as projected tokens rotate) or a value.
    public var token: BearerToken.Source?
    /// The CA to trust, the client certificate and key, and whether to skip verification.
    public var tls: HTTPClient.Configuration.TLS

    /// A connection.
    public init(
        origin: Origin, server: String, namespace: String = "default", token: BearerToken.Source? = nil,
        tls: HTTPClient.Configuration.TLS = .init()
    ) {
        self.origin = origin
        self.server = server
        self.namespace = namespace
        self.token = token
        self.tls = tls
    }

    /// `kubeconfig /home/me/.kube/config: https://127.0.0.1:6443 namespace argo`: no credential.
    public var description: String {
        let origin =
            switch origin {
            case .explicit: "configuration"
            case .inCluster: "in-cluster"
            case .kubeconfig(let path): "kubeconfig \(path)"
            }
        return "\(origin): \(server) namespace \(namespace)"
    }

    /// The explicit settings: the `kubernetes:` section of `gateway.yaml`.
    public struct Settings: Sendable, Hashable {
        /// `server`: the API server's URL; set, it is the connection.
        public var server: String?
        /// `tokenFile`: a bearer token file, read again when it changes.
        public var tokenFile: String?
        /// `ca`: a PEM file of the authorities to trust for `server`.
        public var ca: String?
        /// `clientCertificate`: a PEM client certificate for `server`.
        public var clientCertificate: String?
        /// `clientKey`: the PEM key of `clientCertificate`.
        public var clientKey: String?
        /// `insecureSkipVerify`: do not verify the server's certificate (tests only).
        public var insecureSkipVerify: Bool
        /// `namespace`: the default namespace, whatever the connection's origin.
        public var namespace: String?
        /// `kubeconfig`: a kubeconfig file to use (its current context) instead of `$KUBECONFIG`.
        public var kubeconfig: String?

        /// Settings; all unset by default.
        public init(
            server: String? = nil, tokenFile: String? = nil, ca: String? = nil, clientCertificate: String? = nil,
            clientKey: String? = nil, insecureSkipVerify: Bool = false, namespace: String? = nil,
            kubeconfig: String? = nil
        ) {
            self.server = server
            self.tokenFile = tokenFile
            self.ca = ca
            self.clientCertificate = clientCertificate
            self.clientKey = clientKey
            self.insecureSkipVerify = insecureSkipVerify
            self.namespace = namespace
            self.kubeconfig = kubeconfig
        }

        /// Whether the settings name a connection (`server` or `kubeconfig`), rather than only a namespace.
        public var isConfigured: Bool { server != nil || kubeconfig != nil }
    }

    /// The pod's service-account directory.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Finds the connection, first match wins: `settings` when they set `server` (explicit) or `kubeconfig` (that
    /// file); in a pod (`KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` set and the service account's token
    /// file there); the files of `$KUBECONFIG` (colon-separated, merged as kubectl does: the first file to define a
    /// name wins); `~/.kube/config`. `settings.namespace` overrides the namespace whatever the origin.
    /// - Parameters:
    ///   - settings: the `kubernetes:` section, if any.
    ///   - environment: the process environment (`KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`, `KUBECONFIG`).
    ///   - homeDirectory: where `.kube/config` is looked for.
    ///   - serviceAccountDirectory: where the pod's `token`, `ca.crt` and `namespace` are.
    /// - Returns: the connection, or `nil` when nothing is configured and none of the places exists.
    /// - Throws: ``KubernetesError`` of kind `configuration`: settings that contradict each other, a kubeconfig that
    ///   cannot be read or used (no current context, an `exec` or `auth-provider` user).
    public static func resolve(
        settings: Settings?, environment: [String: String], homeDirectory: String,
        serviceAccountDirectory: String = serviceAccountDirectory
    ) throws(KubernetesError) -> KubernetesConnection? {
        let settings = settings ?? Settings()
        try settings.check()
        var connection: KubernetesConnection?
        if let server = settings.server {
            connection = settings.explicitConnection(server: server)
        } else if let path = settings.kubeconfig {
            connection = try Kubeconfig.load(paths: [path], required: true).connection()
        } else if let inCluster = inClusterConnection(
            environment: environment, directory: serviceAccountDirectory)
        {
            connection = inCluster
        } else if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            connection = try Kubeconfig.load(paths: paths, required: false).connection()
        } else {
            let path = (homeDirectory as NSString).appendingPathComponent(".kube/config")
            connection = try Kubeconfig.load(paths: [path], required: false).connection()
        }
        if let namespace = settings.namespace { connection?.namespace = namespace }
        return connection
    }

    /// The pod's connection: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the token file (read
    /// again as it rotates), `ca.crt` and the `namespace` file when they are there.
    private static func inClusterConnection(environment: [String: String], directory: String)
        -> KubernetesConnection?
    {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else { return nil }
        let files = FileManager.default
        let token = directory + "/token"
        guard files.fileExists(atPath: token) else { return nil }
        let ca = directory + "/ca.crt"
        let namespace = files.contents(atPath: directory + "/namespace").map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return KubernetesConnection(
            origin: .inCluster, server: "https://" + (host.contains(":") ? "[\(host)]" : host) + ":" + port,
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default", token: .file(token),
            tls: .init(caFile: files.fileExists(atPath: ca) ? ca : nil))
    }
}

extension KubernetesConnection.Settings {
    /// Contradictions: `server` with `kubeconfig`; TLS or token settings without `server`; a certificate without
    /// its key.
    fileprivate func check() throws(KubernetesError) {
        func fail(_ message: String) -> KubernetesError { KubernetesError(.configuration, message: message) }
        if server != nil && kubeconfig != nil {
            throw fail("kubernetes.server and kubernetes.kubeconfig exclude each other: set one")
        }
        if server == nil {
            let orphans = [
                ("tokenFile", tokenFile), ("ca", ca), ("clientCertificate", clientCertificate),
                ("clientKey", clientKey),
            ].compactMap { $0.1 == nil ? nil : "kubernetes.\($0.0)" }
            if !orphans.isEmpty || insecureSkipVerify {
                let keys = orphans + (insecureSkipVerify ? ["kubernetes.insecureSkipVerify"] : [])
                throw fail("\(keys.joined(separator: ", ")) apply to kubernetes.server, which is not set")
            }
        }
        if (clientCertificate == nil) != (clientKey == nil) {
            throw fail("kubernetes.clientCertificate and kubernetes.clientKey go together: set both or neither")
        }
    }

    fileprivate func explicitConnection(server: String) -> KubernetesConnection {
        KubernetesConnection(
            origin: .explicit, server: server, namespace: namespace ?? "default",
            token: tokenFile.map(BearerToken.Source.file),
            tls: .init(
                caFile: ca, certificateFile: clientCertificate, keyFile: clientKey,
                insecureSkipVerify: insecureSkipVerify))
    }
}
