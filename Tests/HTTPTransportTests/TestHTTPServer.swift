import Foundation
import Testing

/// The loopback server of `Support/http_test_server.py`, run for the length of one test.
final class TestHTTPServer: Sendable {
    let port: Int
    let scheme: String
    private let process: Process

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/http_test_server.py").path

    /// Starts the server; with `tls`, it serves HTTPS with that certificate and key.
    init(tls: (certificate: String, key: String)? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script] + (tls.map { ["--cert", $0.certificate, "--key", $0.key] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableLine(), as: UTF8.self)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw ServerFailure(message: "the test HTTP server did not start (python3 \(Self.script)): got \"\(line)\"")
        }
        self.port = port
        self.scheme = tls == nil ? "http" : "https"
        self.process = process
    }

    deinit {
        // SIGKILL: a child of the test process may inherit SIGTERM blocked, and the server holds no state.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `http://127.0.0.1:<port><path>` (or https).
    func url(_ path: String, host: String = "127.0.0.1") -> String { "\(scheme)://\(host):\(port)\(path)" }

    struct ServerFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
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

/// A self-signed certificate for `localhost` and 127.0.0.1, made with the openssl command.
struct SelfSignedCertificate {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("server.crt").path }
    var key: String { directory.appendingPathComponent("server.key").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestHTTPServer.ServerFailure(message: "openssl could not make a test certificate (`make test` installs openssl)")
        }
    }
}
