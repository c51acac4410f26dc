package import ConfigReader
import Foundation
public import Kubernetes

extension GatewayConfiguration {
    /// Reads the `kubernetes:` section: `server`, `tokenFile`, `ca`, `clientCertificate`, `clientKey`,
    /// `insecureSkipVerify`, `namespace`, `kubeconfig`. `server` and `kubeconfig` exclude each other; the token and
    /// TLS keys apply to `server` only; a certificate needs its key.
    package static func readKubernetes(_ section: inout FieldReader, diagnostics: inout Diagnostics)
        -> KubernetesConnection.Settings
    {
        let settings = KubernetesConnection.Settings(
            server: section.string("server", diagnostics: &diagnostics),
            tokenFile: section.string("tokenFile", diagnostics: &diagnostics),
            ca: section.string("ca", diagnostics: &diagnostics),
            clientCertificate: section.string("clientCertificate", diagnostics: &diagnostics),
            clientKey: section.string("clientKey", diagnostics: &diagnostics),
            insecureSkipVerify: section.bool("insecureSkipVerify", diagnostics: &diagnostics) ?? false,
            namespace: section.string("namespace", diagnostics: &diagnostics),
            kubeconfig: section.string("kubeconfig", diagnostics: &diagnostics))
        section.finish(diagnostics: &diagnostics, label: "unknown key")
        func error(_ key: String, _ message: String) {
            diagnostics.error(
                "kubernetes.\(key): \(message)", at: section.location(of: key), path: section.childPath(key))
        }
        if settings.server != nil && settings.kubeconfig != nil {
            error("kubeconfig", "set kubernetes.server or kubernetes.kubeconfig, not both")
        }
        if settings.server == nil {
            let serverOnly: [(String, Bool)] = [
                ("tokenFile", settings.tokenFile != nil), ("ca", settings.ca != nil),
                ("clientCertificate", settings.clientCertificate != nil), ("clientKey", settings.clientKey != nil),
                ("insecureSkipVerify", settings.insecureSkipVerify),
            ]
            for (key, isSet) in serverOnly where isSet { error(key, "applies to kubernetes.server, which is not set") }
        }
        if (settings.clientCertificate == nil) != (settings.clientKey == nil) {
            error(
                settings.clientCertificate == nil ? "clientCertificate" : "clientKey",
                "clientCertificate and clientKey go together: set both or neither")
        }
        return settings
    }

    /// The Kubernetes API connection of `k8s` triggers and Kubernetes-held sensors, resolved at start: the
    /// `kubernetes:` section when it sets `server` or `kubeconfig`, else in-cluster, else `$KUBECONFIG`, else
    /// `~/.kube/config` (see ``KubernetesConnection/resolve(settings:environment:homeDirectory:serviceAccountDirectory:)``);
    /// `kubernetes.namespace` overrides the namespace whatever the origin.
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - homeDirectory: where `.kube/config` is looked for.
    /// - Returns: `nil` when none of them exists.
    /// - Throws: ``KubernetesError`` (`configuration`) naming the kubeconfig file and entry that cannot be used.
    public func kubernetesConnection(environment: [String: String], homeDirectory: String)
        throws(KubernetesError) -> KubernetesConnection?
    {
        try KubernetesConnection.resolve(settings: kubernetes, environment: environment, homeDirectory: homeDirectory)
    }

    /// The Kubernetes API connection from the process environment and the user's home directory; see
    /// ``kubernetesConnection(environment:homeDirectory:)``.
    /// - Throws: ``KubernetesError`` (`configuration`) naming the kubeconfig file and entry that cannot be used.
    public func kubernetesConnection() throws(KubernetesError) -> KubernetesConnection? {
        try kubernetesConnection(environment: ProcessInfo.processInfo.environment, homeDirectory: NSHomeDirectory())
    }
}
