import Foundation
import Testing

/// `make bench`'s end-to-end benchmark, run once with `--smoke` (small counts, debug build) and `--bare-work 1` so it
/// and the calibration option keep working; its figures are not checked: benchmarks are not timed tests.
@Suite struct GatewayBenchmarkSmokeTests {
    /// The debug build of the benchmark (`swift build --build-tests` builds it), or `$GATEWAY_BENCHMARK_BIN`.
    static var benchmark: URL {
        if let path = ProcessInfo.processInfo.environment["GATEWAY_BENCHMARK_BIN"] { return URL(fileURLWithPath: path) }
        return repository.appendingPathComponent(".build/debug/GatewayBenchmark")
    }

    @Test func smokeRunPrintsTheTable() async throws {
        let cProgram = repository.appendingPathComponent(".build/jetstream-consume-c")
        for (program, how) in [
            (Self.benchmark, "swift build --build-tests (make test does it)"),
            (GatewayProcess.executable, "swift build --build-tests (make test does it)"),
            (cProgram, "make .build/jetstream-consume-c (make test does it)"),
        ] where !FileManager.default.isExecutableFile(atPath: program.path) {
            Issue.record("\(program.path) is missing: build it with \(how)")
            return
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gateway-bench-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = Self.benchmark
        process.arguments = [
            "--smoke", "--gateway", GatewayProcess.executable.path, "--c", cProgram.path, "--bare-work", "1",
        ]
        process.currentDirectoryURL = repository
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
        let deadline = ContinuousClock.now + .seconds(300)
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { process.terminate() }
        // Also when it has exited: until `waitUntilExit()` runs, Foundation keeps the `Process` in a retain cycle
        // with its run-loop source (a leak under LeakSanitizer).
        process.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "GatewayBenchmark --smoke failed:\n\(text)")
        #expect(text.contains("| workload | gateway |"), "no table printed:\n\(text)")
        #expect(
            text.contains("same sink + 1 µs of work per request:"),
            "the trigger row does not name the bare client's work:\n\(text)")
        #expect(
            text.contains("bare bridge, 16 in flight, same sink:"), "no row against the bare bridge:\n\(text)")
    }

    @Test(
        "a bad number is refused, naming the option and the value",
        arguments: [
            (["--rounds", "0"], "--rounds needs a whole number of at least 1, not '0'"),
            (["--bare-work", "fast"], "--bare-work needs a whole number of at least 0, not 'fast'"),
        ])
    func badNumberIsRefused(arguments: [String], message: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.benchmark.path) else {
            Issue.record(
                "\(Self.benchmark.path) is missing: build it with swift build --build-tests (make test does it)")
            return
        }
        let process = Process()
        process.executableURL = Self.benchmark
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(text.contains(message), "stderr: \(text)")
    }
}
