import Foundation
import HTTPTransport
import JetStream
import JetStreamTesting
import Synchronization
import Testing

/// The repository root.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// A test failure with a message.
struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
}

/// A working directory for one gateway: `gateway.yaml`, `sensors/`, `outbox/`, the log.
struct GatewayWorkspace {
    let directory: URL
    let adminPort: Int
    let natsURL: String
    /// Environment variables of the gateway process, over the test's (e.g. `ARGO_SERVER`).
    let environment: [String: String]

    var configPath: String { directory.appendingPathComponent("gateway.yaml").path }
    var sensors: URL { directory.appendingPathComponent("sensors") }
    var outbox: URL { directory.appendingPathComponent("outbox") }

    /// - Parameters:
    ///   - routing: the routing matrix file; none by default.
    ///   - environment: variables for the gateway process.
    ///   - admin: more keys of the `admin` mapping, in flow style (e.g. `tokenFile: /t`).
    ///   - kubernetes: the `kubernetes` mapping, in flow style (e.g. `server: http://127.0.0.1:8080`); none by default.
    ///   - kubernetesSensors: `sensors.kubernetes`, in flow style (e.g. `namespaces: [ml]`); with it, `sensors` is
    ///     the mapping of `files` (the `sensors` directory) and `kubernetes`.
    ///   - ackWait: the consumers' ack wait: the shipped specs with the template's `ack_wait` replaced (2 s by
    ///     default, so a killed gateway's messages come back within the test; the shipped 2 minutes is checked by
    ///     `JetStreamSpecProvisioningTests`).
    ///   - executionTimeout: `processing.executionTimeout`, if not the default.
    ///   - shipped: the shipped specs directory the workspace's copy starts from.
    ///   - extra: more top-level sections of gateway.yaml (e.g. `console: {argoUIBaseURL: https://argo.test}`).
    init(
        natsURL: String, sensors: [String: String], drainTimeout: String = "10s", routing: String? = nil,
        environment: [String: String] = [:], admin: String = "readiness: {natsDisconnectGrace: 2s}",
        kubernetes: String? = nil, kubernetesSensors: String? = nil, ackWait: String = "2s",
        executionTimeout: String? = nil, specs shipped: String = "specs/jetstream", extra: String? = nil
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("sensors"), withIntermediateDirectories: true)
        adminPort = try NATSServerProcess.freeLoopbackPort()
        self.natsURL = natsURL
        self.environment = environment
        let routingPath = routing ?? directory.appendingPathComponent("routing.yaml").path
        let specs = directory.appendingPathComponent("specs")
        try FileManager.default.copyItem(at: repository.appendingPathComponent(shipped), to: specs)
        let consumers = specs.appendingPathComponent("consumers")
        guard let name = try FileManager.default.contentsOfDirectory(atPath: consumers.path).first else {
            throw HarnessFailure(description: "\(shipped) has no consumer template")
        }
        let template = consumers.appendingPathComponent(name)
        guard var consumer = try JSONSerialization.jsonObject(with: Data(contentsOf: template)) as? [String: Any],
            var settings = consumer["config"] as? [String: Any]
        else { throw HarnessFailure(description: "\(template.path) is not a consumer spec") }
        settings["ack_wait"] = ackWait
        consumer["config"] = settings
        try JSONSerialization.data(withJSONObject: consumer).write(to: template)
        let execution = executionTimeout.map { ", executionTimeout: \($0)" } ?? ""
        let sensorsDirectory = directory.appendingPathComponent("sensors").path
        let sensorsValue =
            kubernetesSensors.map { "{files: \(sensorsDirectory), kubernetes: {\($0)}}" } ?? sensorsDirectory
        var config = """
            nats: {urls: [\(natsURL)], stream: EVENTS, subjectPrefix: events, dlqSubject: dlq.sensor-gateway}
            sensors: \(sensorsValue)
            outbox: \(directory.appendingPathComponent("outbox").path)
            routing: \(routingPath)
            admin: {listen: "127.0.0.1:\(adminPort)", \(admin)}
            jetstream: {specs: \(specs.path)}
            processing: {concurrency: 8, drainTimeout: \(drainTimeout), retryDelay: 1s, reloadInterval: 1s\(execution)}

            """
        if let kubernetes { config += "kubernetes: {\(kubernetes)}\n" }
        if let extra { config += extra + "\n" }
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        for (name, text) in sensors { try writeSensor(name, text) }
    }

    func writeSensor(_ name: String, _ text: String) throws {
        try text.write(to: sensors.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// The JSON records of the outbox, by file name.
    func outboxRecords() -> [String: [String: Any]] {
        var records: [String: [String: Any]] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
        where name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: outbox.appendingPathComponent(name).path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { continue }
            records[name] = object
        }
        return records
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A temporary file holding `token`, as a mounted Secret would hold `admin.tokenFile`, for the length of `body`.
func withAdminTokenFile<T>(_ token: String, _ body: (String) async throws -> T) async throws -> T {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("sg-token-\(UUID().uuidString)")
    try (token + "\n").write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    return try await body(file.path)
}

/// `sensor-gateway run` as a child process.
final class GatewayProcess: @unchecked Sendable {
    // `@unchecked Sendable` proof: `process` and `log` are set once in `init`; `Process` is only signalled and waited
    // for, which Foundation allows from any thread.
    let process: Process
    let log: URL
    let workspace: GatewayWorkspace

    /// The built executable: `$SENSOR_GATEWAY_BIN`, else `.build/debug/sensor-gateway`.
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["SENSOR_GATEWAY_BIN"] { return URL(fileURLWithPath: path) }
        return repository.appendingPathComponent(".build/debug/sensor-gateway")
    }

    /// Starts `run` on `workspace`, with `arguments` after the usual ones (e.g. `--strict`).
    init(_ workspace: GatewayWorkspace, arguments: [String] = [], executable: URL = GatewayProcess.executable) throws {
        self.workspace = workspace
        log = workspace.directory.appendingPathComponent("gateway-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process = Process()
        process.executableURL = executable
        process.arguments =
            ["run", "--config", workspace.configPath, "--log-format", "json", "--log-level", "debug"] + arguments
        process.currentDirectoryURL = workspace.directory
        process.environment = ProcessInfo.processInfo.environment.merging(workspace.environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        // Also when it has exited: until `waitUntilExit()` runs, Foundation keeps the `Process` in a retain cycle
        // with its run-loop source (a leak under LeakSanitizer).
        process.waitUntilExit()
    }

    /// Sends `signal`.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit; SIGKILL and a failure after `timeout`.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw HarnessFailure(description: "the gateway did not exit within \(timeout)\n\(logText)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// GET `path` of the admin server: status and body, or nil when nothing answers.
    func get(_ path: String, token: String? = nil) async -> (status: Int, body: String)? {
        let url = "http://127.0.0.1:\(workspace.adminPort)\(path)"
        let headers = token.map { [(name: "Authorization", value: "Bearer \($0)")] } ?? []
        guard let response = try? await TestHTTP.get(url, headers: headers, timeout: .seconds(2)) else { return nil }
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// POST `body` to `path` of the admin server: status and body, or nil when nothing answers.
    func post(_ path: String, body: [UInt8], token: String? = nil) async -> (status: Int, body: String)? {
        let url = "http://127.0.0.1:\(workspace.adminPort)\(path)"
        var headers = [(name: "Content-Type", value: "application/cloudevents+json")]
        if let token { headers.append((name: "Authorization", value: "Bearer \(token)")) }
        guard let response = try? await TestHTTP.post(url, body: body, headers: headers, timeout: .seconds(5)) else {
            return nil
        }
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// Waits until `/readyz` answers 200.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        try await eventually("the gateway to be ready", timeout: timeout) {
            await get("/readyz")?.status == 200
        }
    }

    /// The value of a metric line `name{labels}` (labels as Prometheus prints them), or 0 when absent.
    func metric(_ series: String) async -> Double {
        guard let body = await get("/metrics")?.body else { return -1 }
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? -1
        }
        return 0
    }

    /// Polls `condition` every 100 ms until it holds.
    func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                throw HarnessFailure(description: "timed out waiting for \(what)\n--- gateway log ---\n\(logText)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Polls `condition` every 100 ms until it holds.
func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(await condition()) {
        guard ContinuousClock.now < deadline else { throw HarnessFailure(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}

extension NATSConnection {
    /// Up to `count` messages of `stream` from its start, through a new durable consumer of the test's own.
    func readStream(_ stream: String, expecting count: Int) async throws -> [JetStreamMessage] {
        var spec = ConsumerSpec(stream: stream, durableName: "test-reader")
        spec.ackPolicy = .explicit
        _ = try await createOrUpdate(spec)
        let reader = try await pullConsumer(stream: stream, durable: "test-reader")
        return try await reader.fetch(.init(batchSize: count, maxWait: .seconds(2)))
    }
}

/// The third-party publisher (`Support/publisher.py`: nats-py and msgpack).
enum PythonPublisher {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("publisher.py").path

    /// A structured CloudEvent request line.
    static func event(subject: String, id: String, source: String, name: String, data: [String: Any]) -> [String: Any] {
        [
            "subject": subject,
            "event": [
                "specversion": "1.0", "id": id, "source": source, "subject": name, "type": "test.event",
                "time": "2026-11-22T03:00:00Z", "data": data,
            ] as [String: Any],
        ]
    }

    /// Publishes each request; returns the `<stream> <sequence>` lines.
    @discardableResult
    static func publish(server: String, _ requests: [[String: Any]]) throws -> [String] {
        try start(server: server, requests).finish()
    }

    /// Starts publishing `requests` in a child process; ``Running/finish()`` waits for it.
    /// - Parameters:
    ///   - server: a URL, or several separated by commas (a cluster's servers).
    ///   - pause: a wait after each publish, to spread the events over a while.
    static func start(server: String, _ requests: [[String: Any]], pause: Duration = .zero) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let seconds = Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18
        process.arguments = ["python3", script, server, "\(seconds)"]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var lines = Data()
        for request in requests {
            lines += try JSONSerialization.data(withJSONObject: request) + Data("\n".utf8)
        }
        let running = Running(process: process, output: PipeDrain(output), errors: PipeDrain(errors))
        // Fed from another thread, so a large input never blocks the test on a full pipe.
        let writer = input.fileHandleForWriting
        let payload = lines
        Thread.detachNewThread {
            writer.write(payload)
            try? writer.close()
        }
        return running
    }

    /// A publisher process.
    struct Running {
        let process: Process
        /// Read while the publisher runs: a long run prints more than a pipe holds, and a publisher blocked on a
        /// full pipe would stop publishing.
        let output: PipeDrain
        let errors: PipeDrain

        /// Waits for the publisher; returns the `<stream> <sequence>` lines.
        func finish() throws -> [String] {
            let printed = output.wait()
            let failure = errors.wait()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw HarnessFailure(
                    description:
                        "publisher.py failed (make deps installs nats-py): \(String(decoding: failure, as: UTF8.self))")
            }
            return String(decoding: printed, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }
}

/// Reads a pipe to its end on a thread of its own, from the start, so the process writing into it never blocks on a
/// full pipe however long it runs.
final class PipeDrain: Sendable {
    private let data = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            let all = handle.readDataToEndOfFile()
            data.withLock { $0 = all }
            done.signal()
        }
    }

    /// Everything written, once the writer closed the pipe (it exited).
    func wait() -> Data {
        done.wait()
        return data.withLock { $0 }
    }
}
