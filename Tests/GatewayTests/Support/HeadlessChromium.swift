import Foundation

/// Debian's `chromium`, headless, run once per page: the DOM after the page's scripts ran, or a screenshot.
enum HeadlessChromium {
    /// `$CHROMIUM`, else `chromium` on `PATH`.
    static var executablePath: String? {
        if let path = ProcessInfo.processInfo.environment["CHROMIUM"] {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        return directories.map { "\($0)/chromium" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The serialized DOM of `url` once its scripts had `budget` of virtual time (the page's fetches complete
    /// before virtual time moves on, so the first render and a poll or two are in it).
    static func dom(_ url: String, budget: Duration = .seconds(8)) throws -> String {
        let output = try run(["--dump-dom", "--virtual-time-budget=\(budget.components.seconds * 1000)", url])
        return String(decoding: output, as: UTF8.self)
    }

    /// Writes a PNG of `url` at `width`×`height` to `file`, after `budget` of virtual time.
    static func screenshot(
        _ url: String, to file: URL, width: Int = 1280, height: Int = 900, budget: Duration = .seconds(8)
    ) throws {
        try? FileManager.default.removeItem(at: file)
        _ = try run([
            "--screenshot=\(file.path)", "--window-size=\(width),\(height)", "--hide-scrollbars",
            "--virtual-time-budget=\(budget.components.seconds * 1000)", url,
        ])
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw HarnessFailure(description: "chromium wrote no screenshot of \(url) to \(file.path)")
        }
    }

    /// Runs chromium with its own throw-away profile; its standard output.
    private static func run(_ arguments: [String]) throws -> Data {
        guard let executable = executablePath else {
            throw HarnessFailure(description: "chromium not found: apt-get install chromium (or set CHROMIUM)")
        }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("sg-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // `--no-sandbox`: the tests run as root in CI, where chromium's sandbox refuses to start.
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(profile.path)", "--lang=en-US",
            ] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["TZ": "UTC", "LANG": "en_US.UTF-8"]) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = PipeDrain(output)
        let failure = PipeDrain(errors)
        let out = printed.wait()
        let err = failure.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessFailure(
                description: "chromium exited \(process.terminationStatus): \(String(decoding: err, as: UTF8.self))")
        }
        return out
    }
}
