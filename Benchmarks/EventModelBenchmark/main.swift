// Decode rate of a typical ~200-byte event, one core, against msgpack-c alone in the same run.
// Run: `make bench` (release build). Prints one table; docs/performance.md keeps the figures.
import DecodeBaselineC
import EventModel

/// A typical event: CloudEvents attributes plus a small object-store notification.
let event = Event(
    id: "evt-20261121-000123", source: "minio", type: "com.example.object.created", subject: "uploads",
    time: EventTimestamp(seconds: 1_795_256_100, nanoseconds: 250_000_000), dataContentType: "application/json",
    data: ["bucket": "raw-documents", "key": "2026/11/21/report.pdf", "size": 1_048_576, "tags": ["finance", "q4"]])

/// Runs `body` `iterations` times and returns the rate in calls per second.
func rate(iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let elapsed = try clock.measure {
        for _ in 0..<iterations { try body() }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(iterations) / seconds
}

/// The median of three runs, to damp a noisy shared machine.
func median(_ runs: () throws -> Double) rethrows -> Double {
    let rates = try [runs(), runs(), runs()].sorted()
    return rates[1]
}

func run() throws {
    let arguments = CommandLine.arguments
    let iterations = arguments.firstIndex(of: "--iterations").flatMap { Int(arguments[$0 + 1]) } ?? 1_000_000
    let messagePack = CloudEventCodec.encodeStructured(event, format: .messagePack)
    let json = CloudEventCodec.encodeStructured(event, format: .json)

    let baseline = median {
        let seconds = messagePack.withUnsafeBufferPointer { buffer in
            decode_baseline_seconds(buffer.baseAddress, buffer.count, iterations)
        }
        precondition(seconds > 0, "msgpack-c failed to decode the fixture")
        return Double(iterations) / seconds
    }
    var sink = 0
    let rows: [(String, Int, Double)] = [
        ("msgpack-c alone (C baseline)", messagePack.count, baseline),
        (
            "MessagePack → EventValue", messagePack.count,
            try median {
                try rate(iterations: iterations) {
                    if case .map(let map) = try MessagePackCodec.decode(messagePack) { sink &+= map.count }
                }
            }
        ),
        (
            "MessagePack → Event", messagePack.count,
            try median {
                try rate(iterations: iterations) {
                    sink &+= try CloudEventCodec.decode(payload: messagePack).id.utf8.count
                }
            }
        ),
        (
            "JSON → EventValue", json.count,
            try median {
                try rate(iterations: iterations) {
                    if case .map(let map) = try JSONCodec.decode(json) { sink &+= map.count }
                }
            }
        ),
        (
            "JSON → Event", json.count,
            try median {
                try rate(iterations: iterations) { sink &+= try CloudEventCodec.decode(payload: json).id.utf8.count }
            }
        ),
    ]
    print("EventModel decode benchmark: \(iterations) decodes per run, median of 3, one core")
    print("| decode | bytes | events/s | vs msgpack-c |")
    print("|---|---:|---:|---:|")
    for (name, bytes, eventsPerSecond) in rows {
        let ratio = eventsPerSecond / baseline
        print("| \(name) | \(bytes) | \(Int(eventsPerSecond)) | \(Double(Int(ratio * 100)) / 100)× |")
    }
    if sink == 42 { print("") }  // keeps the decoded values observable to the optimizer
}

try run()
