import Foundation

/// A Python script of the repository or of `Support/`, or the built binary, run to completion: its status and what it printed (standard
/// output and error together).
struct ScriptRun {
    let status: Int32
    let output: String

    /// The lines that start with `error:`.
    var errorLines: [String] { output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error:") } }
    /// For failure messages.
    var transcript: String { "exit \(status)\n\(output)" }

    /// `python3 script arguments…`, from the repository root, with `input` on its standard input.
    static func python(_ script: String, _ arguments: [String], input: Data? = nil) throws -> ScriptRun {
        try run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script] + arguments, input: input)
    }

    /// The built `sensor-gateway arguments…`, from the repository root, with `environment` over the test's.
    static func gateway(_ arguments: [String], environment: [String: String] = [:]) throws -> ScriptRun {
        try run(GatewayProcess.executable, arguments, environment: environment)
    }

    private static func run(
        _ executable: URL, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:]
    ) throws -> ScriptRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repository
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // From another thread, so a large input never blocks the test on a full pipe.
            let writer = stdin.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(input)
                try? writer.close()
            }
        }
        // Read to the end before waiting, so a long output never blocks the script on a full pipe.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ScriptRun(status: process.terminationStatus, output: String(decoding: printed, as: UTF8.self))
    }
}
