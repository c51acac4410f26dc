import Foundation

/// A Python script of the repository or of `Support/`, run to completion: its status and what it printed (standard
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        process.currentDirectoryURL = repository
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
