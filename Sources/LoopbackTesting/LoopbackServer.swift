import Foundation

/// A Python test server on a loopback port, run as a child process for as long as this object lives.
///
/// The script prints `PORT <n>` once it listens (on a port the kernel chose), or a reason and exits; the process is
/// killed when the object goes away.
///
/// Sendable: the process handle and the port never change after `init`; `Process` is only signalled and waited for,
/// which Foundation allows from any thread.
public final class LoopbackServer: @unchecked Sendable {
    /// The port the server listens on, on 127.0.0.1.
    public let port: Int
    private let process: Process

    /// The directory of the scripts this module starts, found from this file's path (so it works from any clone).
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

    /// Starts `python3 <Scripts/script> arguments…` and waits for its `PORT` line.
    /// - Throws: ``LoopbackTestingError`` with what the script printed when it does not start.
    init(script: String, arguments: [String]) throws {
        let path = Self.scripts.appendingPathComponent(script).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = Self.firstLine(of: output.fileHandleForReading)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespaces)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw LoopbackTestingError("the test server did not start (python3 \(path)): \"\(line)\"")
        }
        self.port = port
        self.process = process
    }

    deinit {
        // SIGKILL: a child of the test process may inherit SIGTERM blocked, and the servers hold no state.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Reads up to the first newline, one byte at a time (the server prints one short line first).
    private static func firstLine(of handle: FileHandle) -> String {
        var line = Data()
        while let byte = try? handle.read(upToCount: 1), let first = byte.first, first != UInt8(ascii: "\n") {
            line.append(first)
        }
        return String(decoding: line, as: UTF8.self)
    }
}
