import Foundation
import JetStreamTesting
import Synchronization

/// A benchmark failure with what went wrong.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}

/// Seconds of a duration, as a Double.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// A gateway's working directory: `gateway.yaml`, `sensors/`, the outbox and its log.
struct Workspace {
    let directory: URL
    let adminPort: Int

    var configPath: String { directory.appendingPathComponent("gateway.yaml").path }
    var sensors: URL { directory.appendingPathComponent("sensors") }

    /// - Parameters:
    ///   - sensors: file name → Sensor YAML.
    ///   - concurrency: `processing.concurrency`.
    ///   - extraConfiguration: lines added to `gateway.yaml`.
    init(natsURL: String, specs: String, sensors: [String: String], concurrency: Int, extraConfiguration: String = "")
        throws
    {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("sensors"), withIntermediateDirectories: true)
        adminPort = try NATSServerProcess.freeLoopbackPort()
        let config = """
            nats: {urls: [\(natsURL)], stream: EVENTS, subjectPrefix: events, dlqSubject: dlq.sensor-gateway}
            sensors: \(sensors.isEmpty ? "" : directory.appendingPathComponent("sensors").path)
            outbox: \(directory.appendingPathComponent("outbox").path)
            routing: \(directory.appendingPathComponent("routing.yaml").path)
            admin: {listen: "127.0.0.1:\(adminPort)"}
            jetstream: {specs: \(specs)}
            processing: {concurrency: \(concurrency), drainTimeout: 10s, retryDelay: 1s, reloadInterval: 0}
            \(extraConfiguration)

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        for (name, text) in sensors {
            try text.write(to: self.sensors.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A child process with its output in a file.
final class ChildProcess: Sendable {
    // Sendable without `@unchecked`: every stored property is a `let` of a Sendable type (`Process` is Sendable
    // in swift-corelibs-foundation).
    let process: Process
    let log: URL
    /// When `run()` returned.
    let started: ContinuousClock.Instant

    init(executable: String, arguments: [String], directory: URL, log: URL, environment: [String: String] = [:])
        throws
    {
        self.log = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        let clock = ContinuousClock()
        let before = clock.now
        try process.run()
        started = before
        try? handle.close()
    }

    deinit {
        // A child that exited without `wait()`: see there.
        if !process.isRunning { process.waitUntilExit() }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits for the exit (SIGKILL after `timeout`); returns the status.
    @discardableResult
    func wait(timeout: Duration = .seconds(600)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                process.waitUntilExit()
                throw BenchmarkFailure(description: "\(process.executableURL?.path ?? "?") did not exit\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        // Returns at once; until it runs, Foundation keeps the `Process` in a retain cycle with its run-loop source
        // (a leak under LeakSanitizer).
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGTERM, then waits (SIGKILL after 15 s).
    func stop() async {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        _ = try? await wait(timeout: .seconds(15))
    }

    /// VmRSS, VmHWM, RssAnon (heap, stacks) and RssFile (pages of the executable and the shared libraries) of the
    /// process in bytes, from /proc/<pid>/status.
    func memory() -> (rss: Int, peak: Int, anonymous: Int, file: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
                return Int(digits).map { $0 * 1024 }
            }
            return nil
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak, field("RssAnon") ?? 0, field("RssFile") ?? 0)
    }
}

/// The status of `GET path` on 127.0.0.1:`port` (HTTP/1.0, one connection), or nil when nothing answers.
func httpStatus(port: Int, path: String) -> Int? {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { return nil }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
    guard connected else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ write(socketFD, $0.baseAddress, $0.count) }) == request.count else { return nil }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = read(socketFD, &buffer, buffer.count)
    // "HTTP/1.1 200 ..."
    guard count >= 12 else { return nil }
    return Int(String(decoding: buffer[9..<12], as: UTF8.self))
}
