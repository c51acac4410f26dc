import EventModel
import HTTPTransport
import JetStream
import JetStreamTesting

/// A second floor for the trigger rows, which the gateway's row does not depend on: the least a JetStream → HTTP
/// bridge does per event, with the gateway's libraries. A durable pull consumer of the stream (batches of 256,
/// acks coalesced as the gateway's are), each event's MessagePack decoded to take its `data.seq`, `POST {"seq":N}`
/// to the same sink through `HTTPClient`, `inFlight` at a time, and the ack once answered: what the gateway does for
/// an `http` trigger without sensors, filters, a firing's identity, its record, metrics or a log line.
enum BareBridge {
    static let durable = "bare-bridge"

    /// Bridges the `total` events already in `stage`'s stream to `sink`.
    /// - Returns: requests per second, the sink's first to last request.
    static func run(stage: Stage, sink: RecordingSink, total: Int, inFlight: Int) async throws -> Double {
        sink.reset(capacity: total)
        try await stage.makeBaselineConsumer(durable)
        var options = ConnectionOptions(urls: [stage.server.url], name: "bare-bridge")
        options.coalescesAcks = true
        let connection = try await NATSConnection.connect(options)
        let client = try HTTPClient()
        let bridged: Result<Void, any Error>
        do {
            try await bridge(
                connection: connection, client: client, url: sink.url, total: total, inFlight: inFlight)
            bridged = .success(())
        } catch {
            bridged = .failure(error)
        }
        await client.shutdown()
        await connection.close()
        try bridged.get()
        let (first, last, received) = sink.snapshot { ($0.first, $0.last, $0.count) }
        guard received >= total else {
            throw BenchmarkFailure(description: "the bare bridge sent \(received) of \(total) requests")
        }
        return rate(total - 1, (last ?? .now) - (first ?? .now))
    }

    /// Takes `total` events from the bridge's durable, each posted to `url` and acked once answered, `inFlight` at a
    /// time.
    private static func bridge(
        connection: NATSConnection, client: HTTPClient, url: String, total: Int, inFlight: Int
    ) async throws {
        let consumer = try await connection.pullConsumer(stream: Stage.stream, durable: durable)
        var batches = consumer.batches(
            PullConsumer.FetchOptions(batchSize: 256, maxWait: .seconds(1), returnsPartialBatch: true)
        )
        .makeAsyncIterator()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var (started, running) = (0, 0)
            while started < total {
                guard let batch = try await batches.next() else { break }
                for message in batch {
                    if running == inFlight {
                        try await group.next()
                        running -= 1
                    }
                    let sequence = try message.withData { try MessagePackCodec.decode($0) }["data"]?["seq"]
                    guard case .int(let seq)? = sequence else {
                        throw BenchmarkFailure(description: "bare bridge: an event without data.seq")
                    }
                    group.addTask {
                        _ = try await client.execute(
                            HTTPRequest(
                                method: "POST", url: url, headers: [("Content-Type", "application/json")],
                                body: Array(#"{"seq":\#(seq)}"#.utf8)))
                        try message.ack()
                    }
                    running += 1
                    started += 1
                }
            }
            try await group.waitForAll()
        }
    }
}
