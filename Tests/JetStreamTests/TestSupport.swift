import Foundation
import JetStream
import JetStreamTesting
import Testing

/// Runs `body` against a fresh `nats-server -js` (loopback, free port, temporary store), stopped afterwards.
/// A missing nats-server fails the test with instructions; it is never skipped.
func withServer<Result>(
    arguments: [String] = [], _ body: (NATSServerProcess) async throws -> Result
) async throws -> Result {
    let server = try NATSServerProcess.start(arguments: arguments)
    defer { server.stop() }
    return try await body(server)
}

/// Options for a test connection: quick reconnects, short timeouts.
func testOptions(_ url: String) -> ConnectionOptions {
    ConnectionOptions(
        urls: [url], name: "jetstream-tests",
        reconnect: .init(initialDelay: .milliseconds(50), maximumDelay: .milliseconds(250), jitter: .milliseconds(10)),
        connectTimeout: .seconds(2), requestTimeout: .seconds(3))
}

/// Connects, runs `body`, and closes the connection.
func withConnection<Result>(
    to server: NATSServerProcess, _ body: (NATSConnection) async throws -> Result
) async throws -> Result {
    let connection = try await NATSConnection.connect(testOptions(server.url))
    do {
        let result = try await body(connection)
        await connection.close()
        return result
    } catch {
        await connection.close()
        throw error
    }
}

/// Creates stream `name` on `<subject prefix>.>` and its durable pull consumer `worker`.
@discardableResult
func makeStreamAndConsumer(
    _ connection: NATSConnection, stream: String, subjects: [String], configure: (inout ConsumerSpec) -> Void = { _ in }
) async throws -> PullConsumer {
    try await connection.createOrUpdate(StreamSpec(name: stream, subjects: subjects))
    var consumer = ConsumerSpec(stream: stream, durableName: "worker")
    consumer.ackPolicy = .explicit
    configure(&consumer)
    try await connection.createOrUpdate(consumer)
    return try await connection.pullConsumer(stream: stream, durable: "worker")
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// The next message within `wait`, or nil: one pull request for one message.
func nextMessage(_ consumer: PullConsumer, wait: Duration) async throws -> JetStreamMessage? {
    try await consumer.fetch(.init(batchSize: 1, maxWait: wait)).first
}
