import ConfigReader
import EventModel
import Foundation
import HTTPTransport

/// One or more kubeconfig files, merged as kubectl merges `$KUBECONFIG`: the first file to set `current-context`
/// wins, and so does the first to define a context, cluster or user of a given name. Relative file paths inside an
/// entry are resolved against the directory of the file that defines it.
struct Kubeconfig {
    /// A named context, cluster or user, with the file it came from.
    private struct Entry {
        var file: String
        var node: YAMLTree
    }

    private var currentContext: (name: String, file: String)?
    private var contexts: [String: Entry] = [:]
    private var clusters: [String: Entry] = [:]
    private var users: [String: Entry] = [:]
    private var filesRead: [String] = []

    /// Reads the files of `paths` that exist (all of them must when `required`).
    /// - Throws: ``KubernetesError`` (`configuration`) naming the file that cannot be read or parsed.
    static func load(paths: [String], required: Bool) throws(KubernetesError) -> Kubeconfig {
        var config = Kubeconfig()
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                if required || FileManager.default.fileExists(atPath: path) {
                    throw KubernetesError(.configuration, message: "kubeconfig \(path): cannot read the file")
                }
                continue
            }
            let document: YAMLTree?
            do {
                document = try YAMLTree.documents(of: String(decoding: data, as: UTF8.self), file: path).first
            } catch {
                throw KubernetesError(.configuration, message: "kubeconfig \(error.description)")
            }
            config.filesRead.append(path)
            guard let document, !document.isNull else { continue }
            config.merge(document, file: path)
        }
        return config
    }

    private mutating func merge(_ document: YAMLTree, file: String) {
        if currentContext == nil, let name = document["current-context"]?.scalarText, !name.isEmpty {
            currentContext = (name, file)
        }
        func add(_ list: String, _ field: String, into table: inout [String: Entry]) {
            for element in document[list]?.elements ?? [] {
                guard let name = element["name"]?.scalarText, table[name] == nil, let node = element[field] else {
                    continue
                }
                table[name] = Entry(file: file, node: node)
            }
        }
        add("contexts", "context", into: &contexts)
        add("clusters", "cluster", into: &clusters)
        add("users", "user", into: &users)
    }

    /// The connection of the current context; `nil` when no file was read.
    /// - Throws: ``KubernetesError`` (`configuration`) naming the file and the entry that cannot be used.
    func connection() throws(KubernetesError) -> KubernetesConnection? {
        guard !filesRead.isEmpty else { return nil }
        let files = filesRead.joined(separator: ":")
        guard let (contextName, originFile) = currentContext else {
            throw KubernetesError(.configuration, message: "kubeconfig \(files): no current-context is set")
        }
        guard let context = contexts[contextName] else {
            throw KubernetesError(
                .configuration, message: "kubeconfig \(files): current-context \"\(contextName)\" is not defined")
        }
        func fail(_ entry: Entry, _ message: String) -> KubernetesError {
            KubernetesError(.configuration, message: "kubeconfig \(entry.file): \(message)")
        }
        guard let clusterName = context.node["cluster"]?.scalarText, let cluster = clusters[clusterName] else {
            throw fail(context, "context \"\(contextName)\" names no cluster that is defined")
        }
        guard let server = cluster.node["server"]?.scalarText, !server.isEmpty else {
            throw fail(cluster, "cluster \"\(clusterName)\" has no server")
        }
        var tls = HTTPClient.Configuration.TLS(
            insecureSkipVerify: cluster.node["insecure-skip-tls-verify"]?.scalarText.flatMap(GoBool.parse) ?? false)
        tls.caFile = Self.path(cluster, "certificate-authority")
        tls.caPEM = try Self.data(cluster, "certificate-authority-data", entry: "cluster \"\(clusterName)\"")
        var token: BearerToken.Source?
        if let userName = context.node["user"]?.scalarText, !userName.isEmpty {
            guard let user = users[userName] else {
                throw fail(context, "context \"\(contextName)\" names user \"\(userName)\", which is not defined")
            }
            let label = "user \"\(userName)\""
            if let exec = user.node["exec"] {
                let command = exec["command"]?.scalarText.map { " (\($0))" } ?? ""
                throw fail(
                    user,
                    "\(label) authenticates with exec\(command), which sensor-gateway does not run: give it a token,"
                        + " tokenFile or client certificate, or set kubernetes.server and kubernetes.tokenFile")
            }
            if user.node["auth-provider"] != nil {
                throw fail(
                    user,
                    "\(label) authenticates with an auth-provider, which sensor-gateway does not support: give it a"
                        + " token, tokenFile or client certificate")
            }
            if user.node["username"] != nil || user.node["password"] != nil {
                throw fail(user, "\(label) uses basic authentication, which Kubernetes no longer supports")
            }
            if let value = user.node["token"]?.scalarText, !value.isEmpty {
                token = .value(value)
            } else if let file = Self.path(user, "tokenFile") {
                token = .file(file)
            }
            tls.certificateFile = Self.path(user, "client-certificate")
            tls.keyFile = Self.path(user, "client-key")
            tls.certificatePEM = try Self.data(user, "client-certificate-data", entry: label)
            tls.keyPEM = try Self.data(user, "client-key-data", entry: label)
        }
        let namespace = context.node["namespace"]?.scalarText.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return KubernetesConnection(
            origin: .kubeconfig(path: originFile), server: server, namespace: namespace, token: token, tls: tls)
    }

    /// A file path of the entry, relative to the directory of the entry's file.
    private static func path(_ entry: Entry, _ key: String) -> String? {
        guard let path = entry.node[key]?.scalarText, !path.isEmpty else { return nil }
        if path.hasPrefix("/") { return path }
        return ((entry.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
    }

    /// Base64 PEM data of the entry.
    private static func data(_ entry: Entry, _ key: String, entry label: String) throws(KubernetesError) -> PEMData? {
        guard let text = entry.node[key]?.scalarText, !text.isEmpty else { return nil }
        guard let bytes = Base64.decode(text.filter { !$0.isWhitespace }) else {
            throw KubernetesError(
                .configuration, message: "kubeconfig \(entry.file): \(label): \(key) is not base64")
        }
        return PEMData(bytes)
    }
}
