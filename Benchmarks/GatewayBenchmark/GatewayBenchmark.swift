import Foundation
import JetStream

/// End-to-end benchmark of the built `sensor-gateway` binary against a real nats-server, with the C consume loop
/// (`Benchmarks/JetStreamBenchmark/c/consume.c`) and a Python bridge (`bridge.py`: nats-py, msgpack, aiohttp) as
/// baselines measured in the same run. Prints one table (Markdown) whose figures docs/performance.md keeps.
///
/// usage: GatewayBenchmark [--smoke] [--only filter,latency,throughput,claimed,memory,sensors,payloads]
///                         [--gateway PATH] [--c PATH] [--bridge PATH] [--specs DIR] [--rounds N] [--concurrency N]
///                         [--bare-work MICROSECONDS]
/// Defaults: `.build/release/sensor-gateway`, `.build/jetstream-consume-c`, `Benchmarks/GatewayBenchmark/bridge.py`,
/// `specs/jetstream` (relative to the working directory: run it from the repository root, as `make bench` does).
/// `--bare-work` makes the bare HTTP client of the trigger rows busy-wait that long on its cooperative thread after
/// each response: how much a client's own work per request costs it, here.
/// `--smoke` uses small counts (CI keeps the harness working with it; its figures mean nothing).
/// `GATEWAY_BENCH_WRAPPER` (e.g. `valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p`) prefixes the
/// gateway's command line, for profiling.
@main
struct GatewayBenchmark {
    static func main() async {
        do {
            let options = try Options(CommandLine.arguments.dropFirst())
            var report = Report(smoke: options.smoke)
            try await run(options, into: &report)
            report.print()
        } catch {
            FileHandle.standardError.write(Data("GatewayBenchmark: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: Options, into report: inout Report) async throws {
        let programs = options.programs
        let counts = options.counts
        for path in [programs.gateway, programs.cConsumer, programs.bridge]
        where !FileManager.default.fileExists(atPath: path) {
            throw BenchmarkFailure(
                description: "\(path) does not exist (make bench builds sensor-gateway in release and the C program)")
        }
        let load =
            (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "?"
        report.note("load average at start \(load); \(ProcessInfo.processInfo.activeProcessorCount) cores")
        if options.runs("filter") { try await Workloads.filterOnly(programs, counts, &report) }
        if options.runs("latency") { try await Workloads.latency(programs, counts, &report) }
        if options.runs("throughput") { try await Workloads.throughput(programs, counts, &report) }
        if options.runs("claimed") { try await Workloads.claimed(programs, counts, &report) }
        if options.runs("memory") { try await Workloads.memory(programs, counts, &report) }
        if options.runs("sensors") { try await Workloads.sensorGrowth(programs, counts, &report) }
        if options.runs("payloads") { try await Workloads.payloadGrowth(programs, counts, &report) }
        let after =
            (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "?"
        report.note("load average at the end \(after)")
    }
}

/// How many events each workload uses.
struct Counts {
    var filterEvents = 200_000
    var rounds = 3
    var sensors = 10
    var latencyRate = 1_000
    var latencySeconds = 30
    var throughputEvents = 50_000
    /// `processing.concurrency` of the trigger throughput rows, and the bare client's requests in flight.
    var triggerDepths = [16, 64]
    var claimedEvents = 20_000
    var bridgeHTTPEvents = 20_000
    var correlations = 100_000
    var startRepeats = 5
    var growthEvents = 30_000
    var growthSensors = [1, 10, 100, 1000]
    /// (label, message bytes, events)
    var payloads: [(String, Int, Int)] = [("100 B", 100, 50_000), ("10 KB", 10_000, 20_000), ("1 MB", 1_000_000, 200)]
    var concurrency = 16
    /// Busy work the bare client does on its cooperative thread after each response (a calibration: how much a
    /// client's own work per request costs it on this machine).
    var bareWorkMicroseconds = 0

    static let smoke = Counts(
        filterEvents: 2_000, rounds: 1, sensors: 10, latencyRate: 200, latencySeconds: 1, throughputEvents: 1_000,
        triggerDepths: [16], claimedEvents: 200,
        bridgeHTTPEvents: 500, correlations: 500, startRepeats: 1, growthEvents: 1_000, growthSensors: [1, 100],
        payloads: [("100 B", 100, 500), ("10 KB", 10_000, 200), ("1 MB", 1_000_000, 5)])
}

struct Options {
    var smoke = false
    var only: Set<String>?
    var gateway = ".build/release/sensor-gateway"
    var cConsumer = ".build/jetstream-consume-c"
    var bridge = "Benchmarks/GatewayBenchmark/bridge.py"
    var specs = "specs/jetstream"
    var rounds: Int?
    var concurrency: Int?
    var bareWorkMicroseconds: Int?

    init<S: Sequence>(_ arguments: S) throws where S.Element == String {
        var iterator = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let value = iterator.next() else { throw BenchmarkFailure(description: "\(name) needs a value") }
            return value
        }
        func number(_ name: String, atLeast minimum: Int) throws -> Int {
            let text = try value(name)
            guard let number = Int(text), number >= minimum else {
                throw BenchmarkFailure(
                    description: "\(name) needs a whole number of at least \(minimum), not '\(text)'")
            }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--smoke": smoke = true
            case "--only": only = Set(try value(argument).split(separator: ",").map(String.init))
            case "--gateway": gateway = try value(argument)
            case "--c": cConsumer = try value(argument)
            case "--bridge": bridge = try value(argument)
            case "--specs": specs = try value(argument)
            case "--rounds": rounds = try number(argument, atLeast: 1)
            case "--concurrency": concurrency = try number(argument, atLeast: 1)
            case "--bare-work": bareWorkMicroseconds = try number(argument, atLeast: 0)
            default:
                throw BenchmarkFailure(
                    description: "unknown argument \(argument); usage: GatewayBenchmark [--smoke] [--only LIST] "
                        + "[--gateway PATH] [--c PATH] [--bridge PATH] [--specs DIR] [--rounds N] [--concurrency N] "
                        + "[--bare-work MICROSECONDS]")
            }
        }
    }

    func runs(_ workload: String) -> Bool { only?.contains(workload) ?? true }

    var counts: Counts {
        var counts = smoke ? Counts.smoke : Counts()
        if let rounds { counts.rounds = rounds }
        if let concurrency { counts.concurrency = concurrency }
        if let bareWorkMicroseconds { counts.bareWorkMicroseconds = bareWorkMicroseconds }
        return counts
    }

    var programs: Programs {
        let absolute = { (path: String) in
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        }
        let wrapper = ProcessInfo.processInfo.environment["GATEWAY_BENCH_WRAPPER"]?.split(separator: " ").map(
            String.init)
        return Programs(
            gateway: absolute(gateway), cConsumer: absolute(cConsumer), bridge: absolute(bridge),
            specs: absolute(specs), wrapper: wrapper ?? [])
    }
}

/// The table: one row per figure, each with its baseline and target.
struct Report {
    struct Row {
        var workload: String
        var figure: String
        var baseline: String
        var ratio: String
        var target: String
        var holds: Bool?
    }

    let smoke: Bool
    var rows: [Row] = []
    var notes: [String] = []

    mutating func add(
        _ workload: String, _ figure: String, baseline: String = "", ratio: String = "", target: String = "",
        holds: Bool? = nil
    ) {
        rows.append(
            Row(workload: workload, figure: figure, baseline: baseline, ratio: ratio, target: target, holds: holds))
        // Progress on standard error, so a long run shows where it is.
        FileHandle.standardError.write(Data("  \(workload): \(figure) \(baseline) \(ratio)\n".utf8))
    }

    mutating func note(_ text: String) {
        notes.append(text)
    }

    func print() {
        Swift.print(
            smoke ? "\nGatewayBenchmark --smoke (small counts: the figures mean nothing)\n" : "\nGatewayBenchmark\n")
        Swift.print("| workload | gateway | baseline (same run) | ratio | target | holds |")
        Swift.print("|---|---|---|---:|---|---|")
        for row in rows {
            let holds = row.holds.map { $0 ? "yes" : "**no**" } ?? ""
            Swift.print(
                "| \(row.workload) | \(row.figure) | \(row.baseline) | \(row.ratio) | \(row.target) | \(holds) |")
        }
        Swift.print("")
        for note in notes { Swift.print("- \(note)") }
    }
}

func rate(_ count: Int, _ duration: Duration) -> Double { Double(count) / max(seconds(duration), 1e-9) }
func formatRate(_ value: Double) -> String { "\(Int(value.rounded()))/s" }
func ratio(_ value: Double, _ baseline: Double) -> String {
    let ratio = value / max(baseline, 1e-9)
    return String(format: ratio < 0.1 ? "%.3f×" : "%.2f×", ratio)
}
func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
func milliseconds(_ duration: Duration) -> String { String(format: "%.2f ms", seconds(duration) * 1000) }
func median<T: Comparable>(_ values: [T]) -> T? {
    let sorted = values.sorted()
    return sorted.isEmpty ? nil : sorted[sorted.count / 2]
}
