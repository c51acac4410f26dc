import Foundation
import JetStreamTesting
import Testing

/// The publisher the chaos runs use keeps publishing however much it prints before the test reads its output: its
/// `<stream> <sequence>` lines are drained while it runs, not at `finish()` (a pipe holds 64 KB, about 5,500 lines).
@Suite(.serialized, .timeLimit(.minutes(2)), .natsServer)
struct PublisherHarnessTests {
    @Test func longRunIsNotBlockedByItsOutput() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Support/argo_eventbus.py").path
        // A stream for the published subjects: the EventBus stream `default` (subjects `default.*.*`).
        let create = try ScriptRun.python(script, [server.url, "create"])
        try #require(create.status == 0, "\(create.transcript)")
        let count = 8_000
        let events = (0..<count).map {
            PythonPublisher.event(subject: "default.src.a", id: "p-\($0)", source: "src", name: "a", data: [:])
        }
        let running = try PythonPublisher.start(server: server.url, events)
        try await eventually("the publisher to exit before its output is read", timeout: .seconds(60)) {
            !running.process.isRunning
        }
        let lines = try running.finish()
        #expect(lines.count == count)
        #expect(lines.last == "default \(count)")
    }
}
