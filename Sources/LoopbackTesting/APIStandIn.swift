public import EventModel
import Foundation
import HTTPTransport

/// The loopback Argo Server and Kubeflow Pipelines API stand-in of `Scripts/api_test_server.py`, for one test: it
/// answers as those servers do, validates every request body against the upstream specs in `../shared/upstream`
/// (next to the repository), logs every request, and takes faults and delays to inject.
public final class APIStandIn: Sendable {
    private let server: LoopbackServer
    private let client: HTTPClient

    /// `<repository>/../shared/upstream`, found from this file's path.
    static let upstream = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/upstream").path

    /// Starts the stand-in; with `token`, requests without `Authorization: Bearer <token>` get 401.
    /// - Throws: ``LoopbackTestingError`` when the upstream specs or the script's Python packages are missing.
    public init(token: String? = nil) throws {
        guard FileManager.default.fileExists(atPath: Self.upstream + "/argo-workflows/swagger.json") else {
            throw LoopbackTestingError(
                "the upstream specs are missing: expected \(Self.upstream) (../shared/upstream next to the repository)")
        }
        server = try LoopbackServer(
            script: "api_test_server.py",
            arguments: ["--upstream", Self.upstream] + (token.map { ["--token", $0] } ?? []))
        client = try HTTPClient()
    }

    /// The port the stand-in listens on, on 127.0.0.1.
    public var port: Int { server.port }

    /// `http://127.0.0.1:<port>`.
    public var base: String { "http://127.0.0.1:\(port)" }

    /// Stops the client that sends the control requests (the server stops when this object goes away).
    public func stop() async { await client.shutdown() }

    /// Injects faults: `status` for the next `count` requests whose path starts with `prefix`.
    public func fault(_ prefix: String, status: Int, count: Int = 1, method: String? = nil, message: String? = nil)
        async throws
    {
        var fault: EventMap = ["prefix": .string(prefix), "status": .int(Int64(status)), "count": .int(Int64(count))]
        if let method { fault["method"] = .string(method) }
        if let message { fault["message"] = .string(message) }
        try await control(["faults": .array([.map(fault)])])
    }

    /// Makes requests under `prefix` wait `seconds` before being answered.
    public func delay(_ prefix: String, seconds: Int) async throws {
        try await control(["delay": ["prefix": .string(prefix), "seconds": .int(Int64(seconds))]])
    }

    /// Makes templates (namespace, kind, name) and pipelines (name, versions) known to the stand-in.
    public func seed(
        templates: [(namespace: String, kind: String, name: String)], pipelines: [(name: String, versions: [String])]
    ) async throws {
        try await control([
            "templates": .array(
                templates.map {
                    .map(["namespace": .string($0.namespace), "kind": .string($0.kind), "name": .string($0.name)])
                }),
            "pipelines": .array(
                pipelines.map {
                    .map(["name": .string($0.name), "versions": .array($0.versions.map(EventValue.string))])
                }),
        ])
    }

    /// Sends a control request (`faults`, `delay`, `templates`, `pipelines`; see the script).
    /// - Throws: ``LoopbackTestingError`` unless the stand-in answers 200.
    public func control(_ body: EventValue) async throws {
        try await post("/_control", body)
    }

    /// Clears faults, delay, workflows and the log.
    public func reset() async throws {
        try await post("/_reset", [:])
    }

    /// Every API request seen so far.
    public func log() async throws -> [LoggedRequest] {
        let response = try await client.execute(HTTPRequest(url: base + "/_log"))
        return (try JSONCodec.decode(response.body, limits: .standInAnswers).arrayValue ?? []).map(LoggedRequest.init)
    }

    private func post(_ path: String, _ body: EventValue) async throws {
        let response = try await client.execute(
            HTTPRequest(method: "POST", url: base + path, body: JSONCodec.encode(body)))
        guard response.status == 200 else {
            throw LoopbackTestingError(
                "\(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
    }
}
