import EventModel
import Foundation
import HTTPTransport
import Kubernetes
import LoopbackTesting
import Testing

@Suite("Finding the Kubernetes connection", .timeLimit(.minutes(2)))
struct ConnectionResolutionTests {
    /// A kubeconfig with one context `main` (namespace `team-a`) whose user is `user`.
    static func kubeconfig(server: String, cluster: String = "", user: String) -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: main
        contexts:
        - name: other
          context: { cluster: nowhere, user: nobody }
        - name: main
          context: { cluster: local, user: me, namespace: team-a }
        clusters:
        - name: local
          cluster:
            server: \(server)
        \(cluster)
        users:
        - name: me
          user:
        \(user)
        """
    }

    @Test("explicit settings win over everything: server, token file, TLS files, namespace")
    func explicit() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try scratch.write("sa/token", "in-cluster-token")
        try scratch.write(".kube/config", Self.kubeconfig(server: "https://kubeconfig:6443", user: "    token: t"))
        let settings = KubernetesConnection.Settings(
            server: "https://api.example:6443", tokenFile: "/etc/token", ca: "/etc/ca.crt",
            clientCertificate: "/etc/tls.crt", clientKey: "/etc/tls.key", namespace: "jobs")
        let connection = try #require(
            try KubernetesConnection.resolve(
                settings: settings,
                environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                homeDirectory: scratch.path, serviceAccountDirectory: scratch.path + "/sa"))
        #expect(connection.origin == .explicit)
        #expect(connection.server == "https://api.example:6443")
        #expect(connection.namespace == "jobs")
        #expect(connection.token == .file("/etc/token"))
        #expect(connection.tls.caFile == "/etc/ca.crt")
        #expect(connection.tls.certificateFile == "/etc/tls.crt" && connection.tls.keyFile == "/etc/tls.key")
    }

    @Test("in a pod: the service host and port, the service account's token file, CA and namespace")
    func inCluster() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try scratch.write("sa/token", "t")
        try scratch.write("sa/ca.crt", "PEM")
        try scratch.write("sa/namespace", "argo-events\n")
        try scratch.write(".kube/config", Self.kubeconfig(server: "https://kubeconfig:6443", user: "    token: t"))
        let environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let connection = try #require(
            try KubernetesConnection.resolve(
                settings: nil, environment: environment, homeDirectory: scratch.path,
                serviceAccountDirectory: scratch.path + "/sa"))
        #expect(connection.origin == .inCluster)
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.namespace == "argo-events")
        #expect(connection.token == .file(scratch.path + "/sa/token"))
        #expect(connection.tls.caFile == scratch.path + "/sa/ca.crt")
        // A namespace in the settings overrides the pod's; an IPv6 service host is bracketed.
        let overridden = try KubernetesConnection.resolve(
            settings: .init(namespace: "jobs"),
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
            homeDirectory: scratch.path, serviceAccountDirectory: scratch.path + "/sa")
        #expect(overridden?.namespace == "jobs")
        #expect(overridden?.server == "https://[fd00::1]:443")
        // Without the token file it is not a pod: the kubeconfig is next.
        try FileManager.default.removeItem(atPath: scratch.path + "/sa/token")
        let fallback = try KubernetesConnection.resolve(
            settings: nil, environment: environment, homeDirectory: scratch.path,
            serviceAccountDirectory: scratch.path + "/sa")
        #expect(fallback?.origin == .kubeconfig(path: scratch.path + "/.kube/config"))
    }

    @Test("$KUBECONFIG: files merged, the first to set a name wins, relative paths from each file's directory")
    func kubeconfigVariable() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try scratch.write(
            "a/config",
            """
            current-context: main
            users:
            - name: me
              user: { tokenFile: secrets/token }
            """)
        let second = try scratch.write(
            "b/config",
            Self.kubeconfig(
                server: "https://b:6443", cluster: "    certificate-authority: ca.crt", user: "    token: ignored"))
        try scratch.write(".kube/config", Self.kubeconfig(server: "https://home:6443", user: "    token: t"))
        let connection = try #require(
            try KubernetesConnection.resolve(
                settings: nil, environment: ["KUBECONFIG": "\(scratch.path)/missing:\(first):\(second)"],
                homeDirectory: scratch.path, serviceAccountDirectory: scratch.path + "/sa"))
        #expect(connection.origin == .kubeconfig(path: first))
        #expect(connection.server == "https://b:6443")
        #expect(connection.namespace == "team-a")
        #expect(connection.token == .file(scratch.path + "/a/secrets/token"))
        #expect(connection.tls.caFile == scratch.path + "/b/ca.crt")
    }

    @Test("~/.kube/config with a token user; nothing anywhere is no connection")
    func homeKubeconfig() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        #expect(
            try KubernetesConnection.resolve(
                settings: nil, environment: [:], homeDirectory: scratch.path,
                serviceAccountDirectory: scratch.path + "/sa") == nil)
        try scratch.write(
            ".kube/config",
            Self.kubeconfig(
                server: "https://home:6443", cluster: "    insecure-skip-tls-verify: true", user: "    token: abc"))
        let connection = try #require(
            try KubernetesConnection.resolve(
                settings: nil, environment: [:], homeDirectory: scratch.path,
                serviceAccountDirectory: scratch.path + "/sa"))
        #expect(connection.origin == .kubeconfig(path: scratch.path + "/.kube/config"))
        #expect(connection.token == .value("abc"))
        #expect(connection.tls.insecureSkipVerify)
        #expect(!connection.description.contains("abc"))
    }

    @Test("an exec user is a configuration error naming the kubeconfig file and the user")
    func execUser() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write(
            "config",
            Self.kubeconfig(
                server: "https://gke:443",
                user: "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                    + "      command: gke-gcloud-auth-plugin"))
        let error = try #require(throws: KubernetesError.self) {
            try KubernetesConnection.resolve(
                settings: .init(kubeconfig: file), environment: [:], homeDirectory: scratch.path,
                serviceAccountDirectory: scratch.path + "/sa")
        }
        #expect(error.kind == .configuration)
        #expect(error.message.contains(file))
        #expect(error.message.contains("user \"me\""))
        #expect(error.message.contains("exec (gke-gcloud-auth-plugin)"))
    }

    @Test(
        "contradictory settings are configuration errors",
        arguments: [
            KubernetesConnection.Settings(server: "https://a", kubeconfig: "/k"),
            KubernetesConnection.Settings(tokenFile: "/t"),
            KubernetesConnection.Settings(server: "https://a", clientCertificate: "/c"),
            KubernetesConnection.Settings(kubeconfig: "/does/not/exist"),
        ])
    func contradictions(settings: KubernetesConnection.Settings) throws {
        let error = try #require(throws: KubernetesError.self) {
            try KubernetesConnection.resolve(settings: settings, environment: [:], homeDirectory: "/nonexistent")
        }
        #expect(error.kind == .configuration)
    }

    @Test("a kubeconfig client certificate and CA given as data authenticate over HTTPS")
    func clientCertificateData() async throws {
        let certificate = try SelfSignedCertificate()
        defer { certificate.remove() }
        let standIn = try KubernetesStandIn(token: "secret", tls: certificate, clientCA: certificate.certificate)
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        func base64(_ path: String) throws -> String {
            try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString()
        }
        let file = try scratch.write(
            "config",
            Self.kubeconfig(
                server: standIn.base, cluster: "    certificate-authority-data: \(try base64(certificate.certificate))",
                user: "    client-certificate-data: \(try base64(certificate.certificate))\n"
                    + "    client-key-data: \(try base64(certificate.key))"))
        let connection = try #require(
            try KubernetesConnection.resolve(
                settings: .init(kubeconfig: file), environment: [:], homeDirectory: scratch.path))
        #expect(connection.token == nil)
        #expect(connection.tls.keyPEM != nil && !"\(connection.tls)".contains("PRIVATE KEY"))
        let client = try KubernetesClient(connection: connection)
        let configMaps = try #require(ResourceType.wellKnown(apiVersion: "v1", kind: "ConfigMap"))
        let created = try await client.create(configMaps, namespace: nil, object: configMap("by-certificate"))
        #expect(created["metadata"]?["namespace"] == "team-a")
        await client.shutdown()

        // The same server without the client certificate: the token is all there is, and there is none.
        var anonymous = connection
        anonymous.tls.certificatePEM = nil
        anonymous.tls.keyPEM = nil
        let refused = try KubernetesClient(connection: anonymous)
        let error = try await #require(throws: KubernetesError.self) {
            try await refused.get(configMaps, namespace: "team-a", name: "by-certificate")
        }
        #expect(error.kind == .unauthorized && error.status == 401)
        await refused.shutdown()
        await standIn.stop()
    }

    @Test("explicit CA and client certificate files authenticate over HTTPS")
    func clientCertificateFiles() async throws {
        let certificate = try SelfSignedCertificate()
        defer { certificate.remove() }
        let standIn = try KubernetesStandIn(token: "secret", tls: certificate, clientCA: certificate.certificate)
        let connection = try #require(
            try KubernetesConnection.resolve(
                settings: .init(
                    server: standIn.base, ca: certificate.certificate, clientCertificate: certificate.certificate,
                    clientKey: certificate.key),
                environment: [:], homeDirectory: "/nonexistent"))
        let client = try KubernetesClient(connection: connection)
        let list = try await client.list(
            try #require(ResourceType.wellKnown(apiVersion: "v1", kind: "ConfigMap")), namespace: "default")
        #expect(list.items.isEmpty && !list.resourceVersion.isEmpty)
        await client.shutdown()
        await standIn.stop()
    }
}
