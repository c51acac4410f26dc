import EventModel
import Foundation
import HTTPTransport
import Testing
import Triggers

/// The loopback Argo Server and KFP API stand-in of `Support/api_test_server.py`, run for the length of one test.
/// It validates every request body against the specs in `../shared/upstream`.
final class APITestServer: Sendable {
    let port: Int
    private let process: Process
    private let client: HTTPClient

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("api_test_server.py").path

    /// `<repository>/../shared/upstream`, found from this file's path.
    static let upstream = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/upstream").path

    /// Starts the server; with `token`, requests without `Authorization: Bearer <token>` get 401.
    init(token: String? = nil) throws {
        guard FileManager.default.fileExists(atPath: Self.upstream + "/argo-workflows/swagger.json") else {
            throw Failure(
                "the upstream specs are missing: expected \(Self.upstream) (../shared/upstream next to the repository)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--upstream", Self.upstream] + (token.map { ["--token", $0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableLine(), as: UTF8.self)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure("the API test server did not start (python3 \(Self.script)): \(line)")
        }
        self.port = port
        self.process = process
        client = try HTTPClient()
    }

    deinit {
        // SIGKILL: a child of the test process may inherit SIGTERM blocked, and the server holds no state.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Stops the control client.
    func stop() async { await client.shutdown() }

    /// Injects faults: `status` for the next `count` requests whose path starts with `prefix`.
    func fault(_ prefix: String, status: Int, count: Int = 1, method: String? = nil, message: String? = nil)
        async throws
    {
        var fault: EventMap = ["prefix": .string(prefix), "status": .int(Int64(status)), "count": .int(Int64(count))]
        if let method { fault["method"] = .string(method) }
        if let message { fault["message"] = .string(message) }
        try await control(["faults": .array([.map(fault)])])
    }

    /// Makes requests under `prefix` wait `seconds` before being answered.
    func delay(_ prefix: String, seconds: Int) async throws {
        try await control(["delay": ["prefix": .string(prefix), "seconds": .int(Int64(seconds))]])
    }

    /// Makes templates (namespace, kind, name) and pipelines (name, versions) known to the stand-in.
    func seed(templates: [(namespace: String, kind: String, name: String)], pipelines: [(name: String, versions: [String])])
        async throws
    {
        try await control([
            "templates": .array(
                templates.map { .map(["namespace": .string($0.namespace), "kind": .string($0.kind), "name": .string($0.name)]) }),
            "pipelines": .array(
                pipelines.map { .map(["name": .string($0.name), "versions": .array($0.versions.map(EventValue.string))]) }),
        ])
    }

    private func control(_ body: EventValue) async throws {
        let response = try await client.execute(
            HTTPRequest(method: "POST", url: base + "/_control", body: JSONCodec.encode(body)))
        guard response.status == 200 else { throw Failure("control answered \(response.status)") }
    }

    /// Every API request seen so far.
    func log() async throws -> [LoggedRequest] {
        let response = try await client.execute(HTTPRequest(url: base + "/_log"))
        return (try JSONCodec.decode(response.body).arrayValue ?? []).map(LoggedRequest.init)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Runs `body` with a fresh stand-in and an executor configured for it by `configuration` (given the server's
/// base URL); afterwards, expects that every body the stand-in saw was valid, and stops both.
func withStandIn(
    token: String? = nil, _ configuration: (String) -> TriggerConfiguration,
    _ body: (TriggerExecutor, APITestServer) async throws -> Void
) async throws {
    let server = try APITestServer(token: token)
    let executor: TriggerExecutor
    do { executor = try TriggerExecutor(configuration: configuration(server.base)) } catch {
        await server.stop()
        throw error
    }
    do {
        try await body(executor, server)
        let invalid = try await server.log().filter { !$0.invalid.isEmpty }
        #expect(invalid.isEmpty, "invalid bodies: \(invalid)")
    } catch {
        await executor.shutdown()
        await server.stop()
        throw error
    }
    await executor.shutdown()
    await server.stop()
}

/// One request as the test server saw it.
struct LoggedRequest: CustomStringConvertible {
    let method: String
    let path: String
    let query: String
    let body: EventValue?
    let authorized: Bool
    let invalid: [String]
    let headers: EventValue

    init(_ value: EventValue) {
        method = value["method"]?.stringValue ?? ""
        path = value["path"]?.stringValue ?? ""
        query = value["query"]?.stringValue ?? ""
        body = value["body"].flatMap { $0 == .null ? nil : $0 }
        authorized = value["authorized"] == .bool(true)
        invalid = value["invalid"]?.arrayValue?.compactMap(\.stringValue) ?? []
        headers = value["headers"] ?? .null
    }

    var description: String { "\(method) \(path)" + (invalid.isEmpty ? "" : " invalid: \(invalid)") }
}

extension FileHandle {
    /// Reads up to the first newline, one byte at a time (the server prints one short line first).
    func availableLine() -> Data {
        var line = Data()
        while let byte = try? read(upToCount: 1), let first = byte.first, first != UInt8(ascii: "\n") {
            line.append(first)
        }
        return line
    }
}
