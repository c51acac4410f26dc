public import EventModel
import Foundation
import HTTPTransport

/// The loopback Kubernetes API server of `Scripts/kubernetes_api_stand_in.py`, for one test: objects in memory,
/// create/get/update/patch/delete, list and watch with resourceVersions, the status subresource, discovery, 401 on
/// a wrong token, 409 and 422 as kube-apiserver answers them; every body it stores is validated (built-in kinds with
/// kubernetes_validate 1.32 strict, Workflows against the upstream Workflow schema).
public final class KubernetesStandIn: Sendable {
    private let server: LoopbackServer
    private let client: HTTPClient
    /// `http`, or `https` when the stand-in was given a certificate.
    public let scheme: String

    /// Starts the stand-in.
    /// - Parameters:
    ///   - token: with a token, API requests without `Authorization: Bearer <token>` get 401.
    ///   - tls: serve HTTPS with this certificate.
    ///   - clientCA: with `tls`, a client certificate signed by this CA is accepted instead of the token.
    /// - Throws: ``LoopbackTestingError`` when the upstream specs or the script's Python packages are missing.
    public init(token: String? = nil, tls: SelfSignedCertificate? = nil, clientCA: String? = nil) throws {
        let upstream = APIStandIn.upstream
        guard FileManager.default.fileExists(atPath: upstream + "/argo-workflows/jsonschema-schema.json") else {
            throw LoopbackTestingError(
                "the upstream specs are missing: expected \(upstream) (../shared/upstream next to the repository)")
        }
        var arguments = ["--upstream", upstream]
        if let token { arguments += ["--token", token] }
        if let tls { arguments += ["--cert", tls.certificate, "--key", tls.key] }
        if let clientCA { arguments += ["--client-ca", clientCA] }
        server = try LoopbackServer(script: "kubernetes_api_stand_in.py", arguments: arguments)
        scheme = tls == nil ? "http" : "https"
        client = try HTTPClient(configuration: .init(tls: .init(caFile: tls?.certificate)))
    }

    /// The port the stand-in listens on, on 127.0.0.1.
    public var port: Int { server.port }

    /// `http://127.0.0.1:<port>` (or `https://localhost:<port>` with TLS, the certificate's name).
    public var base: String { scheme == "http" ? "http://127.0.0.1:\(port)" : "https://localhost:\(port)" }

    /// Stops the client that sends the control requests (the server stops when this object goes away).
    public func stop() async { await client.shutdown() }

    /// Stores `object` as if it had been created (validated like a create; `status` kept), with
    /// `metadata.namespace` defaulting to `default`.
    /// - Returns: the object as stored (name, uid, resourceVersion set).
    /// - Throws: ``LoopbackTestingError`` when the stand-in rejects it (unknown kind, invalid body).
    @discardableResult
    public func seed(_ object: EventValue) async throws -> EventValue {
        let answer = try await control(["objects": [object]])
        return answer["objects"]?.arrayValue?.first ?? .null
    }

    /// The stored objects of the resource `plural` (e.g. `workflows`, `configmaps`), optionally of one group and
    /// namespace.
    public func objects(_ plural: String, group: String? = nil, namespace: String? = nil) async throws
        -> [EventValue]
    {
        var query = "plural=\(plural)"
        if let group { query += "&group=\(group)" }
        if let namespace { query += "&namespace=\(namespace)" }
        return try await get("/_objects?" + query).arrayValue ?? []
    }

    /// Every API request so far (method, path, query, body, headers with `content-type`, authorized, invalid,
    /// status); control requests are not logged.
    public func log() async throws -> [LoggedRequest] {
        (try await get("/_log").arrayValue ?? []).map(LoggedRequest.init)
    }

    /// Injects faults: `status` (with a Status body) for the next `count` requests whose path starts with `prefix`.
    public func fault(
        _ prefix: String, status: Int, count: Int = 1, method: String? = nil, message: String? = nil,
        retryAfter: Int? = nil
    ) async throws {
        var fault: EventMap = ["prefix": .string(prefix), "status": .int(Int64(status)), "count": .int(Int64(count))]
        if let method { fault["method"] = .string(method) }
        if let message { fault["message"] = .string(message) }
        if let retryAfter { fault["retryAfter"] = .int(Int64(retryAfter)) }
        try await control(["faults": .array([.map(fault)])])
    }

    /// Drops the faults not used up yet.
    public func clearFaults() async throws {
        try await control(["clearFaults": true])
    }

    /// Accepts `token` from now on (and no longer the one before), as after a rotation.
    public func acceptToken(_ token: String) async throws {
        try await control(["token": .string(token)])
    }

    /// Serves a custom kind besides the built-in and Argo kinds (stored without a schema).
    public func register(
        group: String, version: String, kind: String, plural: String, namespaced: Bool = true,
        statusSubresource: Bool = false
    ) async throws {
        try await control([
            "kinds": [
                [
                    "group": .string(group), "version": .string(version), "kind": .string(kind),
                    "plural": .string(plural), "namespaced": .bool(namespaced), "status": .bool(statusSubresource),
                ]
            ]
        ])
    }

    /// Forgets the change history: a watch from any resourceVersion before now gets an `ERROR` event with code 410.
    public func compact() async throws {
        try await control(["compact": true])
    }

    /// Ends every watch being served (the response ends normally), as a restarting API server does: clients resume
    /// from the last resourceVersion they saw.
    public func endWatches() async throws {
        try await control(["endWatches": true])
    }

    /// How many watches the stand-in is serving now.
    public func activeWatches() async throws -> Int {
        if case .int(let count)? = try await get("/_watches")["active"] { return Int(count) }
        return 0
    }

    /// Forgets objects, faults, registered kinds and the log (the token stays).
    public func reset() async throws {
        _ = try await post("/_reset", [:])
    }

    /// Sends a control request (`objects`, `faults`, `delay`, `kinds`, `token`, `compact`, `endWatches`,
    /// `bookmarkInterval`; see the script) and returns its answer.
    /// - Throws: ``LoopbackTestingError`` unless the stand-in answers 200.
    @discardableResult
    public func control(_ body: EventValue) async throws -> EventValue {
        try await post("/_control", body)
    }

    private func get(_ path: String) async throws -> EventValue {
        let response = try await client.execute(HTTPRequest(url: base + path))
        return try JSONCodec.decode(response.body, limits: .standInAnswers)
    }

    private func post(_ path: String, _ body: EventValue) async throws -> EventValue {
        let response = try await client.execute(
            HTTPRequest(method: "POST", url: base + path, body: JSONCodec.encode(body)))
        guard response.status == 200 else {
            throw LoopbackTestingError(
                "\(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return try JSONCodec.decode(response.body, limits: .standInAnswers)
    }
}
