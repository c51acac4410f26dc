import Foundation
public import Testing

/// Prometheus' `promtool` (Debian's `prometheus` package): lints a metrics exposition (`check metrics`), checks
/// alerting rules (`check rules`) and runs their unit tests (`test rules`).
public enum Promtool {
    /// `$PROMTOOL` when set, else `promtool` on `PATH`; nil when neither is an executable file.
    public static var executablePath: String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PROMTOOL"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/promtool"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// What a promtool run printed, and how it ended.
    public struct Result: Sendable {
        /// The exit status: 0 when every check passed.
        public let status: Int32
        /// Standard output and standard error, in that order.
        public let output: String
    }

    /// Runs `promtool <arguments>`, with `input` on its standard input; output goes through files, so nothing blocks
    /// on a full pipe.
    /// - Throws: ``LoopbackTestingError`` when promtool is missing or cannot be started.
    public static func run(_ arguments: [String], input: String = "") throws -> Result {
        guard let executable = executablePath else { throw LoopbackTestingError(missingReason) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promtool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("stdin")
        let outputFile = directory.appendingPathComponent("stdout")
        let errorFile = directory.appendingPathComponent("stderr")
        try Data(input.utf8).write(to: inputFile)
        for file in [outputFile, errorFile] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        do {
            try process.run()
        } catch {
            throw LoopbackTestingError("cannot start \(executable): \(error)")
        }
        process.waitUntilExit()
        let output = try Data(contentsOf: outputFile) + Data(contentsOf: errorFile)
        return Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }

    static let missingReason =
        "promtool not found on PATH: run make deps (apt-get install prometheus) or set PROMTOOL"
}

extension Trait where Self == Prerequisite {
    /// promtool must be installed: each test fails, saying so, when it is not.
    public static var promtool: Self {
        .requires(Promtool.executablePath != nil, Promtool.missingReason)
    }
}
