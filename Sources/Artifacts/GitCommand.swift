import Foundation

/// Runs the `git` CLI: blocking, so only ever on the dedicated thread of ``DedicatedThread``.
///
/// The git CLI rather than libgit2: Debian's `git` speaks every transport (HTTPS with any credential helper, SSH with
/// the system's `ssh` and its known-hosts handling, `file://`), is what operators debug with, and keeps a C library,
/// its TLS stack and its SSH stack out of the process. Credentials never reach a command line, an environment value
/// or a log: HTTPS user name and password come from `GIT_ASKPASS`, a script that `cat`s the mounted Secret files
/// whose paths are in the environment; SSH gets the key file through `GIT_SSH_COMMAND -i`.
struct GitCommand {
    /// The git binary, found on `PATH`.
    static let executable = "git"

    /// The environment of every git run: the process's, without prompts, in the C locale.
    var environment: [String: String]
    /// How long one git run may take before it is killed.
    var timeout: Duration

    /// The result of one run.
    struct Output {
        var status: Int32
        /// Standard output and standard error, interleaved.
        var text: String
        /// Whether `timeout` stopped it.
        var timedOut: Bool { status == 124 || status == 137 }
    }

    /// Runs `git <arguments>` and waits for it.
    /// - Throws: the error of `Process.run()` when git cannot be started.
    func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        // coreutils' `timeout` kills a git that hangs (a server that stops answering), and git's children with it.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["timeout", "--kill-after=10s", "\(timeout.components.seconds)s", Self.executable] + arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // One pipe for both streams, read to its end before waiting: git cannot block on a full pipe.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self))
    }
}

/// Runs blocking work on a thread of its own, off the cooperative pool, and resumes the caller with its result.
enum DedicatedThread {
    static func run<T: Sendable>(name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = name
            thread.start()
        }
    }
}
