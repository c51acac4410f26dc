import Foundation
import HTTPTransport

/// A Python test server that prints `PORT <n>` once listening (or a reason, and exits), run as a child process for
/// as long as this object lives.
final class PythonTestServer: Sendable {
    let port: Int
    private let process: Process

    /// Starts `python3 script arguments…`; fails with what the script printed when it does not start.
    init(script: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first,
            first != UInt8(ascii: "\n")
        {
            line.append(first)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw HarnessFailure(description: "the test server did not start (python3 \(script)): \(text)")
        }
        self.port = port
        self.process = process
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// The Argo Server and KFP API stand-in of the Triggers tests (`Tests/TriggersTests/Support/api_test_server.py`),
/// as a child process for one test: it answers as those servers do and validates every request body against the
/// upstream specs in `../shared/upstream`.
final class StandInServer: Sendable {
    private let server: PythonTestServer

    static let script = repository.appendingPathComponent("Tests/TriggersTests/Support/api_test_server.py").path
    static let upstream = repository.deletingLastPathComponent().appendingPathComponent("shared/upstream").path

    /// Starts the server; fails, saying why, when the upstream specs or the script's Python packages are missing.
    init() throws {
        guard FileManager.default.fileExists(atPath: Self.upstream + "/argo-workflows/swagger.json") else {
            throw HarnessFailure(description: "the upstream specs are missing: expected \(Self.upstream)")
        }
        server = try PythonTestServer(script: Self.script, arguments: ["--upstream", Self.upstream])
    }

    var port: Int { server.port }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Makes WorkflowTemplates (namespace, kind, name) and pipelines (name, versions) known.
    func seed(templates: [(namespace: String, kind: String, name: String)], pipelines: [(name: String, versions: [String])])
        async throws
    {
        let body: [String: Any] = [
            "templates": templates.map { ["namespace": $0.namespace, "kind": $0.kind, "name": $0.name] },
            "pipelines": pipelines.map { ["name": $0.name, "versions": $0.versions] },
        ]
        try await TestHTTP.postJSON(base + "/_control", body)
    }

    /// Every API request seen so far: method, path, body and the schema violations found in it.
    func requests() async throws -> [[String: Any]] {
        let response = try await TestHTTP.send("GET", base + "/_log")
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]) ?? []
    }
}
