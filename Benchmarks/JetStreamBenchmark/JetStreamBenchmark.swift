import EventModel
import Foundation
import JetStream
import JetStreamTesting

/// Consume + decode + ack throughput of the JetStream module against a C program doing the same loop on libnats,
/// both against one nats-server in one run, at batch sizes 64, 256 and 1024; prints a table with the Swift/C ratio.
/// Each batch size runs twice: with the decode (Swift: EventModel's `MessagePackCodec.decode`; C: `msgpack_unpack_next`)
/// and without it (consume + ack), which shows how much of a difference is the transport and how much the decoder.
///
/// usage: JetStreamBenchmark <path of the C program> — `make bench-jetstream` builds and passes it.
/// Environment: `BENCH_MESSAGES` (default 40000) messages per run, `BENCH_ROUNDS` (default 3) interleaved rounds,
/// the median of which is reported.
@main
struct JetStreamBenchmark {
    static let batchSizes = [64, 256, 1024]
    static let stream = "BENCH"

    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            FileHandle.standardError.write(Data("usage: JetStreamBenchmark <path of jetstream-consume-c>\n".utf8))
            exit(2)
        }
        let cProgram = arguments[1]
        let environment = ProcessInfo.processInfo.environment
        let count = environment["BENCH_MESSAGES"].flatMap(Int.init) ?? 40_000
        let rounds = environment["BENCH_ROUNDS"].flatMap(Int.init) ?? 3

        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let connection = try await NATSConnection.connect(
            ConnectionOptions(urls: [server.url], name: "jetstream-benchmark"))
        try await connection.createOrUpdate(StreamSpec(name: stream, subjects: ["bench.>"]))
        let payload = samplePayload()
        try await publish(count: count, payload: payload, to: connection)
        print(
            "nats-server \(server.url), \(count) messages of \(payload.count) bytes (MessagePack map) per run,"
                + " median of \(rounds) interleaved rounds; one ack per message")

        struct Key: Hashable {
            let decode: Bool
            let batch: Int
        }
        var swiftRates: [Key: [Double]] = [:]
        var cRates: [Key: [Double]] = [:]
        for round in 1...rounds {
            for decode in [true, false] {
                for batch in batchSizes {
                    let key = Key(decode: decode, batch: batch)
                    // Alternate which side goes first, so neither always meets the server's state after the other.
                    for side in round % 2 == 1 ? ["c", "swift"] : ["swift", "c"] {
                        let name = "\(side)-\(decode ? "decode" : "ack")-\(batch)-\(round)"
                        let consumer = try await makeConsumer(connection, name: name)
                        if side == "c" {
                            cRates[key, default: []].append(
                                try runC(
                                    cProgram, url: server.url, durable: consumer, batch: batch, count: count,
                                    decode: decode))
                        } else {
                            swiftRates[key, default: []].append(
                                try await consume(
                                    connection, durable: consumer, batch: batch, count: count, decode: decode))
                        }
                        // Every run meets the same server state: one stream, no other consumer.
                        try await connection.deleteConsumer(stream: stream, consumer: consumer)
                    }
                }
            }
        }
        await connection.close()

        print("")
        print("| loop | batch | C msg/s | Swift msg/s | Swift/C |")
        print("|---|---:|---:|---:|---:|")
        for decode in [true, false] {
            for batch in batchSizes {
                let key = Key(decode: decode, batch: batch)
                let c = median(cRates[key] ?? [])
                let swift = median(swiftRates[key] ?? [])
                let loop = decode ? "consume + decode + ack" : "consume + ack"
                print(
                    "| \(loop) | \(batch) | \(Int(c.rounded())) | \(Int(swift.rounded())) | \(String(format: "%.2f", swift / c)) |"
                )
            }
        }
    }

    /// A CloudEvent in structured mode, about 85 bytes of MessagePack.
    static func samplePayload() -> [UInt8] {
        MessagePackCodec.encode([
            "specversion": "1.0", "id": "0f8e1c2a-5b", "source": "bench", "type": "bench.event",
            "data": ["value": 42, "ok": true, "name": "sensor-a"],
        ])
    }

    static func publish(count: Int, payload: [UInt8], to connection: NATSConnection) async throws {
        var start = 0
        while start < count {
            let end = min(start + 10_000, count)
            let result = try await connection.publishBatch(
                (start..<end).map { OutgoingMessage(subject: "bench.event", data: payload, messageID: "bench-\($0)") })
            guard result.failures.isEmpty else { throw result.failures[0].error }
            start = end
        }
    }

    static func makeConsumer(_ connection: NATSConnection, name: String) async throws -> String {
        var spec = ConsumerSpec(stream: stream, durableName: name)
        spec.ackPolicy = .explicit
        spec.maxAckPending = 100_000
        spec.maxBatch = 1024
        try await connection.createOrUpdate(spec)
        return name
    }

    /// The Swift loop: the module's async sequence of messages, decode in place (if told to), ack.
    static func consume(_ connection: NATSConnection, durable: String, batch: Int, count: Int, decode: Bool)
        async throws -> Double
    {
        let consumer = try await connection.pullConsumer(stream: stream, durable: durable)
        var received = 0
        var decodedEntries = 0
        let clock = ContinuousClock()
        let start = clock.now
        for try await message in consumer.messages(.init(batchSize: batch, maxWait: .seconds(1))) {
            if decode {
                let value = try message.withData { bytes throws(EventDecodingError) in
                    try MessagePackCodec.decode(bytes)
                }
                decodedEntries += value.mapValue?.count ?? 0
            } else {
                decodedEntries += message.withData { $0.isEmpty ? 0 : 5 }
            }
            try message.ack()
            received += 1
            if received == count { break }
        }
        let elapsed = clock.now - start
        precondition(decodedEntries == count * 5, "every payload decodes to the 5-entry map")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(received) / seconds
    }

    /// The C loop, as a child process; returns its rate.
    static func runC(_ program: String, url: String, durable: String, batch: Int, count: Int, decode: Bool) throws
        -> Double
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = [url, stream, durable, "\(batch)", "\(count)", decode ? "decode" : "no-decode"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard process.terminationStatus == 0, fields.count == 4, let rate = Double(fields[2]) else {
            throw BenchmarkError(description: "\(program) failed (status \(process.terminationStatus))")
        }
        return rate
    }

    struct BenchmarkError: Error, CustomStringConvertible {
        let description: String
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
