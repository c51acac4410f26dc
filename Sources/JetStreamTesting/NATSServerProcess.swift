public import Foundation

/// A `nats-server -js` child process on a loopback port with a temporary store, for tests and benchmarks.
///
/// ```swift
/// let server = try NATSServerProcess.start()
/// defer { server.stop() }
/// let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
/// ```
///
/// Sendable: the process handle and the port never change after `start`; `Process` itself is only
/// signalled and waited for, which Foundation allows from any thread.
public final class NATSServerProcess: @unchecked Sendable {
    /// Why a server could not be started.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong, with the server's own log lines when there are some.
        public let description: String
    }

    /// The executable: `$NATS_SERVER_BIN`, or `nats-server` found on `PATH` (Debian installs it in /usr/sbin).
    public static var executablePath: String? {
        if let path = ProcessInfo.processInfo.environment["NATS_SERVER_BIN"] { return path }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/usr/bin"]
        return directories.map { "\($0)/nats-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The client port.
    public let port: Int
    /// The JetStream store directory (removed by ``stop(removingStore:)``).
    public let storeDirectory: URL
    /// `nats://127.0.0.1:<port>`.
    public var url: String { "nats://127.0.0.1:\(port)" }

    private let process: Process
    private let extraArguments: [String]

    private init(process: Process, port: Int, storeDirectory: URL, extraArguments: [String]) {
        self.process = process
        self.port = port
        self.storeDirectory = storeDirectory
        self.extraArguments = extraArguments
    }

    /// Starts a server and returns once it accepts clients.
    /// - Parameters:
    ///   - port: the client port; nil picks a free one.
    ///   - storeDirectory: the store; nil creates a temporary directory.
    ///   - arguments: more `nats-server` arguments (e.g. `["--user", "u", "--pass", "p"]`).
    /// - Throws: ``StartError`` when nats-server is not installed, exits, or is not ready within 10 s.
    public static func start(port: Int? = nil, storeDirectory: URL? = nil, arguments: [String] = []) throws
        -> NATSServerProcess
    {
        guard let executable = executablePath else {
            throw StartError(
                description:
                    "nats-server is not installed: `make deps` (apt-get install nats-server) or set NATS_SERVER_BIN")
        }
        let store =
            storeDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("nats-js-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        let chosenPort = try port ?? freeLoopbackPort()
        let process = try launch(executable: executable, port: chosenPort, store: store, arguments: arguments)
        return NATSServerProcess(process: process, port: chosenPort, storeDirectory: store, extraArguments: arguments)
    }

    /// Kills the server with SIGKILL (no clean shutdown, as in a crash) and waits for it to exit.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        Self.reap(process)
    }

    /// Waits for an exited or signalled `process`. Also when it has exited already: until `waitUntilExit()` runs,
    /// swift-corelibs-foundation keeps the `Process` in a retain cycle with its run-loop source (LeakSanitizer
    /// reports the process, its arguments and its environment as leaked).
    static func reap(_ process: Process) {
        process.waitUntilExit()
    }

    /// Starts the same server again: same port, same store, same arguments.
    /// - Throws: ``StartError`` as ``start(port:storeDirectory:arguments:)``.
    public func restarted() throws -> NATSServerProcess {
        kill()
        guard let executable = Self.executablePath else {
            throw StartError(description: "nats-server is not installed")
        }
        let process = try Self.launch(
            executable: executable, port: port, store: storeDirectory, arguments: extraArguments)
        return NATSServerProcess(
            process: process, port: port, storeDirectory: storeDirectory, extraArguments: extraArguments)
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its store unless told not to.
    public func stop(removingStore: Bool = true) {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
        }
        kill()
        if removingStore {
            try? FileManager.default.removeItem(at: storeDirectory)
            try? FileManager.default.removeItem(at: Self.logFile(of: storeDirectory))
        }
    }

    private static func launch(executable: String, port: Int, store: URL, arguments: [String]) throws -> Process {
        let log = logFile(of: store)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", store.path] + arguments
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.contains("Server is ready") {
                try? logHandle.close()
                return process
            }
            if !process.isRunning || text.contains("[FTL]") {
                try? logHandle.close()
                if process.isRunning { process.terminate() }
                reap(process)
                throw StartError(description: "nats-server did not start on port \(port):\n\(text)")
            }
            usleep(20_000)
        }
        process.terminate()
        reap(process)
        try? logHandle.close()
        throw StartError(description: "nats-server was not ready within 10 s on port \(port)")
    }

    /// The server's log: beside the store, so restarts append to one file.
    private static func logFile(of store: URL) -> URL {
        store.deletingLastPathComponent().appendingPathComponent(store.lastPathComponent + ".log")
    }

    /// A loopback TCP port nobody listens on right now (the kernel's pick for port 0).
    public static func freeLoopbackPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw StartError(description: "socket() failed: errno \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketFD, generic, length) == 0 && getsockname(socketFD, generic, &length) == 0
            }
        }
        guard bound else { throw StartError(description: "bind to 127.0.0.1:0 failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
