import ConfigReader
public import EventModel
import SensorLanguage

extension SensorDecoder {
    /// The kinds of `source`, in the order they are named in messages.
    static let artifactKinds = ["resource", "inline", "url", "file", "configmap", "git", "s3"]

    /// The `source` of an `argoWorkflow` or `k8s` trigger: exactly one of `resource`, `inline` (parsed now), `url`,
    /// `file`, `configmap`, `git`, `s3` (read when the trigger runs).
    /// - Returns: the location, or `nil` after an error.
    mutating func decodeArtifact(_ node: YAMLTree, path: String) -> ArtifactLocation? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let present = Self.artifactKinds.filter { node[$0].map { !$0.isNull } ?? false }
        guard let kind = present.first else {
            fields.finish(diagnostics: &diagnostics, known: Set(Self.artifactKinds))
            diagnostics.error(
                "\(path) must set one of \(Self.artifactKinds.joined(separator: ", "))", at: node, path: path)
            return nil
        }
        guard present.count == 1 else {
            diagnostics.error(
                "\(path) sets \(present.joined(separator: " and ")): set one", at: node[present[1]] ?? node,
                path: "\(path).\(present[1])")
            return nil
        }
        guard let value = fields.take(kind) else { return nil }
        fields.finish(diagnostics: &diagnostics, known: Set(Self.artifactKinds))
        let kindPath = "\(path).\(kind)"
        switch kind {
        case "resource":
            guard value.entries != nil else {
                diagnostics.error("\(kindPath) must be a mapping", at: value, path: kindPath)
                return nil
            }
            return .resource(value.eventValue)
        case "inline": return decodeInlineArtifact(value, path: kindPath)
        case "url": return decodeURLArtifact(value, path: kindPath)
        case "file":
            guard var file = FieldReader(value, path: kindPath, diagnostics: &diagnostics) else { return nil }
            let location = file.string("path", required: true, diagnostics: &diagnostics)
            file.finish(diagnostics: &diagnostics)
            return location.map(ArtifactLocation.file)
        case "configmap": return decodeConfigMapArtifact(value, path: kindPath)
        case "git": return decodeGitArtifact(value, path: kindPath)
        default: return decodeS3Artifact(value, path: kindPath)
        }
    }

    private mutating func decodeInlineArtifact(_ inline: YAMLTree, path: String) -> ArtifactLocation? {
        guard let text = inline.scalarText else {
            diagnostics.error("\(path) must be a string", at: inline, path: path)
            return nil
        }
        do {
            let documents = try YAMLTree.documents(of: text, file: inline.location.file)
            guard documents.count == 1, let document = documents.first, document.entries != nil else {
                diagnostics.error("\(path) must hold one YAML or JSON object", at: inline, path: path)
                return nil
            }
            return .resource(document.eventValue)
        } catch {
            diagnostics.error("\(path): \(error.message)", at: inline, path: path)
            return nil
        }
    }

    private mutating func decodeURLArtifact(_ node: YAMLTree, path: String) -> ArtifactLocation? {
        guard var url = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let location = url.string("path", required: true, diagnostics: &diagnostics)
        // Argo Events' field is `verifyCert`; its own url-sensor example writes `verifycert`, which works there
        // because Go's encoding/json matches field names regardless of case.
        let verifyCert = url.bool("verifyCert", diagnostics: &diagnostics)
        let lowerCase = url.bool("verifycert", diagnostics: &diagnostics)
        url.finish(diagnostics: &diagnostics)
        if verifyCert != nil && lowerCase != nil {
            diagnostics.error(
                "\(path) sets both verifyCert and verifycert (one field in Argo Events); set verifyCert",
                at: node.entries?.first { $0.key == "verifycert" }?.keyLocation ?? node.location,
                path: "\(path).verifycert")
            return nil
        }
        guard let location else { return nil }
        guard location.hasPrefix("http://") || location.hasPrefix("https://") else {
            diagnostics.error(
                "\(path).path '\(location)' must be an http:// or https:// URL", at: node, path: "\(path).path")
            return nil
        }
        return .url(location, verifyCertificate: verifyCert ?? lowerCase ?? true)
    }

    private mutating func decodeConfigMapArtifact(_ node: YAMLTree, path: String) -> ArtifactLocation? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let name = fields.string("name", required: true, diagnostics: &diagnostics)
        let key = fields.string("key", required: true, diagnostics: &diagnostics)
        let namespace = fields.string("namespace", diagnostics: &diagnostics)
        if fields.take("optional") != nil {
            diagnostics.warning(
                "ignored: \(path).optional (a missing ConfigMap or key fails the trigger)",
                at: fields.location(of: "optional"), path: "\(path).optional")
        }
        fields.finish(diagnostics: &diagnostics)
        guard let name, let key else { return nil }
        return .configMap(
            ConfigMapArtifact(name: name, key: key, namespace: namespace.flatMap { $0.isEmpty ? nil : $0 }))
    }

    private mutating func decodeGitArtifact(_ node: YAMLTree, path: String) -> ArtifactLocation? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let errorsBefore = errorCount
        let url = fields.string("url", required: true, diagnostics: &diagnostics)
        let filePath = fields.string("filePath", required: true, diagnostics: &diagnostics)
        var revisions: [(String, GitArtifact.Revision)] = []
        let kinds: [(String, (String) -> GitArtifact.Revision)] = [
            ("branch", GitArtifact.Revision.branch), ("tag", GitArtifact.Revision.tag),
            ("ref", GitArtifact.Revision.ref),
        ]
        for (key, revision) in kinds {
            if let name = fields.string(key, diagnostics: &diagnostics), !name.isEmpty {
                revisions.append((key, revision(name)))
            }
        }
        if revisions.count > 1 {
            diagnostics.error(
                "\(path) sets \(revisions.map(\.0).joined(separator: " and ")): set one of branch, tag, ref",
                at: fields.location(of: revisions[1].0), path: "\(path).\(revisions[1].0)")
        }
        var credentials: GitArtifact.Credentials?
        if var creds = fields.mapping("creds", diagnostics: &diagnostics) {
            let username = decodeSecretSelector(&creds, "username", required: true)
            let password = decodeSecretSelector(&creds, "password", required: true)
            creds.finish(diagnostics: &diagnostics)
            if let username, let password { credentials = .init(username: username, password: password) }
        }
        let sshKey = decodeSecretSelector(&fields, "sshKeySecret", required: false)
        let insecure = fields.bool("insecureIgnoreHostKey", diagnostics: &diagnostics) ?? false
        let ignored = [
            "cloneDirectory": "sensor-gateway keeps its own clone of each repository, under the gateway's git cache",
            "githubApp": "GitHub App authentication is not implemented: the repository is fetched without credentials",
        ]
        for (key, reason) in ignored.sorted(by: { $0.key < $1.key }) where fields.take(key) != nil {
            diagnostics.warning(
                "ignored: \(path).\(key) (\(reason))", at: fields.location(of: key), path: "\(path).\(key)")
        }
        fields.finish(
            diagnostics: &diagnostics,
            hints: ["remote": "an extra remote is not fetched; set url to the repository to read"])
        if let filePath {
            for forbidden in ["..", "~", "\\"] where filePath.contains(forbidden) {
                diagnostics.error(
                    "\(path).filePath '\(filePath)' must not contain '\(forbidden)'",
                    at: fields.location(of: "filePath"),
                    path: "\(path).filePath")
            }
            if filePath.hasPrefix("/") {
                diagnostics.error(
                    "\(path).filePath '\(filePath)' must be relative to the repository's root",
                    at: fields.location(of: "filePath"), path: "\(path).filePath")
            }
        }
        guard errorCount == errorsBefore, let url, let filePath else { return nil }
        return .git(
            GitArtifact(
                url: url, revision: revisions.first?.1 ?? .branch("master"), filePath: filePath,
                credentials: credentials, sshKeySecret: sshKey, insecureIgnoreHostKey: insecure))
    }

    private mutating func decodeS3Artifact(_ node: YAMLTree, path: String) -> ArtifactLocation? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let errorsBefore = errorCount
        var bucketName: String?
        var key: String?
        if var bucket = fields.mapping("bucket", diagnostics: &diagnostics) {
            bucketName = bucket.string("name", required: true, diagnostics: &diagnostics)
            key = bucket.string("key", required: true, diagnostics: &diagnostics)
            bucket.finish(diagnostics: &diagnostics)
        } else if errorCount == errorsBefore {
            diagnostics.error("\(path).bucket is required", at: node, path: "\(path).bucket")
        }
        let endpoint = fields.string("endpoint", required: true, diagnostics: &diagnostics)
        if let endpoint, endpoint.contains("://") || endpoint.contains("/") {
            diagnostics.error(
                "\(path).endpoint '\(endpoint)' must be host[:port], without a scheme or path (insecure: true for http)",
                at: fields.location(of: "endpoint"), path: "\(path).endpoint")
        }
        let region = fields.string("region", diagnostics: &diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        let insecure = fields.bool("insecure", diagnostics: &diagnostics) ?? false
        let accessKey = decodeSecretSelector(&fields, "accessKey", required: false)
        let secretKey = decodeSecretSelector(&fields, "secretKey", required: false)
        if (accessKey == nil) != (secretKey == nil) {
            let missing = accessKey == nil ? "accessKey" : "secretKey"
            diagnostics.error(
                "\(path).\(missing) is required with \(accessKey == nil ? "secretKey" : "accessKey")", at: node,
                path: "\(path).\(missing)")
        }
        for key in ["events", "filter", "metadata"] where fields.take(key) != nil {
            diagnostics.warning(
                "ignored: \(path).\(key) (an S3 event source setting; a trigger source reads one object)",
                at: fields.location(of: key), path: "\(path).\(key)")
        }
        fields.finish(
            diagnostics: &diagnostics,
            hints: ["caCertificate": "add the CA to the gateway's trust store (SSL_CERT_FILE) instead"])
        guard errorCount == errorsBefore, let bucketName, let key, let endpoint else { return nil }
        return .s3(
            S3Artifact(
                bucket: bucketName, key: key, endpoint: endpoint, region: region ?? "us-east-1", insecure: insecure,
                accessKey: accessKey, secretKey: secretKey))
    }

    /// A Secret key selector `{name, key}` under `key`; `nil` when absent (an error when `required`) or invalid.
    private mutating func decodeSecretSelector(_ fields: inout FieldReader, _ key: String, required: Bool)
        -> SecretKeySelector?
    {
        guard var selector = fields.mapping(key, diagnostics: &diagnostics) else {
            if required && fields.node[key] == nil {
                diagnostics.error("\(fields.childPath(key)) is required", at: fields.node, path: fields.childPath(key))
            }
            return nil
        }
        let name = selector.string("name", required: true, diagnostics: &diagnostics)
        let secretKey = selector.string("key", required: true, diagnostics: &diagnostics)
        selector.ignore("optional")
        selector.finish(diagnostics: &diagnostics)
        guard let name, let secretKey else { return nil }
        return SecretKeySelector(name: name, key: secretKey)
    }

    private var errorCount: Int { diagnostics.findings.count { $0.severity == .error } }
}

/// Why a `source` rewritten by template-level parameters at firing time is no longer a valid location.
public struct ArtifactLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Each problem, naming its field (`k8s.source.s3.bucket.name is required`).
    public var problems: [String]

    /// The problems, joined with `; `.
    public var description: String { problems.joined(separator: "; ") }
}

extension ArtifactLocation {
    /// Decodes a `source` from its JSON form, as the Sensor's decoder does from YAML (warnings are dropped).
    /// - Parameters:
    ///   - value: the `source` object, e.g. the trigger template's after template-level parameters.
    ///   - path: the field's path for messages, e.g. `k8s.source`.
    /// - Throws: ``ArtifactLocationError`` naming each invalid field.
    public static func decode(_ value: EventValue, path: String) throws(ArtifactLocationError) -> ArtifactLocation {
        let documents: [YAMLTree]
        do {
            // JSON is YAML: the same located decoder reads it, so both forms accept exactly the same fields.
            documents = try YAMLTree.documents(of: JSONCodec.encodeToString(value), file: path)
        } catch {
            throw ArtifactLocationError(problems: ["\(path): \(error.message)"])
        }
        guard let document = documents.first else { throw ArtifactLocationError(problems: ["\(path) is empty"]) }
        var decoder = SensorDecoder()
        let location = decoder.decodeArtifact(document, path: path)
        let problems = decoder.diagnostics.findings.filter { $0.severity == .error }.map(\.message)
        guard let location, problems.isEmpty else {
            throw ArtifactLocationError(problems: problems.isEmpty ? ["\(path) is not a valid source"] : problems)
        }
        return location
    }
}
