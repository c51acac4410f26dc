public import EventModel
import Foundation
import HTTPTransport
import Synchronization

/// A client of the Kubernetes API for one ``KubernetesConnection``: get, create, update, patch, delete and list
/// objects as JSON maps, their status subresource, and the resource type of a kind.
///
/// ```swift
/// let client = try KubernetesClient(connection: connection)
/// let type = try await client.resourceType(apiVersion: "argoproj.io/v1alpha1", kind: "Workflow")
/// let created = try await client.create(type, namespace: "argo", object: workflow)
/// await client.shutdown()
/// ```
/// For a namespaced kind, a `nil` namespace means the object's own `metadata.namespace`, else the connection's
/// namespace, for calls on one object, and all namespaces for ``list(_:namespace:labelSelector:)`` and
/// ``watch(_:namespace:labelSelector:resourceVersion:)``; it is ignored for cluster-scoped kinds. The bearer token
/// is read for every request (a token file again when it changed, as projected tokens rotate).
public final class KubernetesClient: Sendable {
    /// The connection this client talks to.
    public let connection: KubernetesConnection
    let http: HTTPClient
    private let token: BearerToken?
    private let server: String
    /// Kinds found by discovery, by apiVersion then kind.
    let discovered = Mutex<[String: [String: ResourceType]]>([:])

    /// Starts the client's HTTP thread.
    /// - Parameters:
    ///   - connection: the server, credentials and TLS settings.
    ///   - requestTimeout: the longest one request (not a watch) may take.
    /// - Throws: ``KubernetesError`` (`transport`) when libcurl cannot be initialised.
    public init(connection: KubernetesConnection, requestTimeout: Duration = .seconds(30)) throws(KubernetesError) {
        self.connection = connection
        token = connection.token.map(BearerToken.init)
        server = connection.server.hasSuffix("/") ? String(connection.server.dropLast()) : connection.server
        do {
            http = try HTTPClient(
                configuration: .init(requestTimeout: requestTimeout, tls: connection.tls, userAgent: "sensor-gateway"))
        } catch {
            throw KubernetesError.transport(error, object: nil)
        }
    }

    /// Stops the HTTP thread; requests still in flight fail with `transport`.
    public func shutdown() async {
        await http.shutdown()
    }

    /// The object `name`.
    /// - Throws: ``KubernetesError``, `notFound` when there is none.
    public func get(_ type: ResourceType, namespace: String?, name: String) async throws(KubernetesError)
        -> EventValue
    {
        let namespace = objectNamespace(type, namespace, nil)
        return try await send("GET", type.path(namespace: namespace, name: name), object: label(type, namespace, name))
    }

    /// Creates `object` (its `metadata.name`, or a name the server makes from `metadata.generateName`) and returns
    /// it as stored.
    /// - Throws: ``KubernetesError``: `alreadyExists` when the name is taken, `invalid` when the server rejects it.
    public func create(_ type: ResourceType, namespace: String?, object: EventValue) async throws(KubernetesError)
        -> EventValue
    {
        let namespace = objectNamespace(type, namespace, object)
        let name =
            object["metadata"]?["name"]?.stringValue
            ?? ((object["metadata"]?["generateName"]?.stringValue)
                .map { $0 + "*" } ?? "")
        return try await send(
            "POST", type.path(namespace: namespace), body: object, object: label(type, namespace, name))
    }

    /// Replaces the object named by `object`'s `metadata.name` (PUT); a `metadata.resourceVersion` in it makes the
    /// update conditional.
    /// - Throws: ``KubernetesError``: `conflict` when the resourceVersion is stale, `invalid` without a name.
    public func update(_ type: ResourceType, namespace: String?, object: EventValue) async throws(KubernetesError)
        -> EventValue
    {
        try await replace(type, namespace: namespace, object: object, subresource: nil)
    }

    /// Patches the object `name` with `patch` read as `strategy` says (a list of operations for ``PatchStrategy/json``,
    /// a map otherwise).
    /// - Throws: ``KubernetesError``: `unsupportedMediaType` for a strategic merge on a custom resource.
    public func patch(
        _ type: ResourceType, namespace: String?, name: String, patch: EventValue, strategy: PatchStrategy
    ) async throws(KubernetesError) -> EventValue {
        let namespace = objectNamespace(type, namespace, nil)
        return try await send(
            "PATCH", type.path(namespace: namespace, name: name), body: patch, contentType: strategy.rawValue,
            object: label(type, namespace, name))
    }

    /// Deletes the object `name`; its dependents (a Job's pods) are deleted in the background.
    /// - Throws: ``KubernetesError``, `notFound` when there is none.
    public func delete(_ type: ResourceType, namespace: String?, name: String) async throws(KubernetesError) {
        let namespace = objectNamespace(type, namespace, nil)
        let options: EventValue = ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"]
        _ = try await send(
            "DELETE", type.path(namespace: namespace, name: name), body: options,
            object: label(type, namespace, name))
    }

    /// The objects of the collection (across all namespaces when `namespace` is nil), optionally only those
    /// matching `labelSelector` (`app=web,tier!=cache`), with the resourceVersion to watch from.
    public func list(_ type: ResourceType, namespace: String?, labelSelector: String? = nil)
        async throws(KubernetesError) -> ObjectList
    {
        let namespace = type.namespaced ? namespace : nil
        let answer = try await send(
            "GET", type.path(namespace: namespace), query: labelSelector.map { [("labelSelector", $0)] } ?? [],
            object: label(type, namespace, nil))
        return ObjectList(
            items: answer["items"]?.arrayValue ?? [],
            resourceVersion: answer["metadata"]?["resourceVersion"]?.stringValue ?? "")
    }

    /// Replaces the status of the object named by `object` (PUT on its `status` subresource): only `status` changes.
    /// - Throws: ``KubernetesError``: `notFound` also when the kind has no status subresource.
    public func updateStatus(_ type: ResourceType, namespace: String?, object: EventValue)
        async throws(KubernetesError) -> EventValue
    {
        try await replace(type, namespace: namespace, object: object, subresource: "status")
    }

    /// Merge-patches the status of the object `name` (`patch` is `{"status": {...}}`).
    public func patchStatus(_ type: ResourceType, namespace: String?, name: String, patch: EventValue)
        async throws(KubernetesError) -> EventValue
    {
        let namespace = objectNamespace(type, namespace, nil)
        return try await send(
            "PATCH", type.path(namespace: namespace, name: name, subresource: "status"), body: patch,
            contentType: PatchStrategy.merge.rawValue, object: label(type, namespace, name))
    }

    private func replace(_ type: ResourceType, namespace: String?, object: EventValue, subresource: String?)
        async throws(KubernetesError) -> EventValue
    {
        let namespace = objectNamespace(type, namespace, object)
        guard let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty else {
            throw KubernetesError(
                .invalid, message: "an update needs metadata.name", object: label(type, namespace, nil))
        }
        return try await send(
            "PUT", type.path(namespace: namespace, name: name, subresource: subresource), body: object,
            object: label(type, namespace, name))
    }

    /// The namespace of a call on one object: the one given, else the object's, else the connection's; none for a
    /// cluster-scoped kind.
    private func objectNamespace(_ type: ResourceType, _ namespace: String?, _ object: EventValue?) -> String? {
        guard type.namespaced else { return nil }
        return namespace ?? object?["metadata"]?["namespace"]?.stringValue ?? connection.namespace
    }

    /// `Workflow argo/hello`, `Namespace team-a`, `Workflow argo` (a collection), `Workflow` (all namespaces).
    func label(_ type: ResourceType, _ namespace: String?, _ name: String?) -> String {
        switch (namespace, name) {
        case (let namespace?, let name?): "\(type.kind) \(namespace)/\(name)"
        case (nil, let name?): "\(type.kind) \(name)"
        case (let namespace?, nil): "\(type.kind) \(namespace)"
        case (nil, nil): type.kind
        }
    }

    /// The request for `path`: the server's URL with the query, `Accept` and the bearer token.
    /// - Throws: ``KubernetesError`` (`configuration`) when the token file cannot be read.
    func request(
        _ method: String, _ path: String, query: [(String, String)], body: EventValue?, contentType: String,
        timeout: Duration? = nil, object: String?
    ) throws(KubernetesError) -> HTTPRequest {
        var url = server + path
        if !query.isEmpty { url += "?" + query.map { "\($0)=\(Self.queryEncoded($1))" }.joined(separator: "&") }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", contentType)) }
        if let token {
            do {
                headers.append(try token.authorizationHeader())
            } catch {
                throw KubernetesError(.configuration, message: error.description, object: object)
            }
        }
        return HTTPRequest(
            method: method, url: url, headers: headers, body: body.map(JSONCodec.encode) ?? [], timeout: timeout)
    }

    /// Sends one request and decodes its JSON answer.
    /// - Throws: ``KubernetesError`` from the transport or from the API's `Status` answer.
    func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: EventValue? = nil,
        contentType: String = "application/json", object: String?
    ) async throws(KubernetesError) -> EventValue {
        let request = try request(
            method, path, query: query, body: body, contentType: contentType, object: object)
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw KubernetesError.transport(error, object: object)
        }
        guard (200..<300).contains(response.status) else {
            throw Self.error(
                status: response.status, body: response.body, retryAfter: response.header("retry-after"),
                request: "\(method) \(path)", object: object)
        }
        if response.body.isEmpty { return .null }
        do {
            return try JSONCodec.decode(response.body)
        } catch {
            throw KubernetesError(
                .server, status: response.status, message: "the answer is not JSON: \(error)", object: object,
                request: "\(method) \(path)")
        }
    }

    /// The error of an answer that is not a success, from its `Status` body when it has one.
    static func error(status: Int, body: [UInt8], retryAfter: String?, request: String, object: String?)
        -> KubernetesError
    {
        let decoded = try? JSONCodec.decode(body)
        let reason = decoded?["reason"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let message =
            decoded?["message"]?.stringValue
            ?? String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return KubernetesError(
            KubernetesError.kind(status: status, reason: reason), status: status, reason: reason,
            message: message.isEmpty ? "HTTP \(status)" : message, object: object, request: request,
            retryAfter: retryAfter.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { .seconds($0) })
    }

    private static let queryAllowed = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func queryEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? text
    }
}
