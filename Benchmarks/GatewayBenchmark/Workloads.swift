import Foundation
import JetStream
import JetStreamTesting

/// The six workloads of docs/performance.md; each adds its rows to the report.
enum Workloads {
    static let cDurable = "c-baseline"
    static let bridgeDurable = "bridge-baseline"

    /// What one gateway run through a pre-published stream gave.
    struct GatewayRun {
        var elapsed: Duration
        var peakRSS: Int
    }

    /// Starts the gateway on `stage` and waits until its consumer of `subject` has acked `last`: process start to
    /// ack floor, start-up included. Samples VmRSS meanwhile.
    static func runGateway(_ programs: Programs, _ stage: Stage, subject: String, last: UInt64) async throws
        -> GatewayRun
    {
        let gateway = try programs.startGateway(stage.workspace)
        var peak = 0
        let done: ContinuousClock.Instant
        do {
            done = try await stage.waitForAckFloor(Events.durable(subject), last, process: gateway) {
                peak = max(peak, gateway.memory()?.rss ?? 0)
            }
        } catch {
            await gateway.stop()
            throw error
        }
        peak = max(peak, gateway.memory()?.peak ?? 0)
        await gateway.stop()
        return GatewayRun(elapsed: done - gateway.started, peakRSS: peak)
    }

    /// The C program (fetch 256 + msgpack decode + ack) over the events of its durable: process start to its ack
    /// floor reaching `last`, measured like the gateway (the program's own last fetch would wait out its expiry for
    /// a batch the stream cannot fill).
    static func runC(_ programs: Programs, _ stage: Stage, count: Int, last: UInt64, batch: Int = 256) async throws
        -> Duration
    {
        let process = try ChildProcess(
            executable: programs.cConsumer,
            arguments: [stage.server.url, Stage.stream, cDurable, "\(batch)", "\(count)", "decode"],
            directory: stage.workspace.directory, log: stage.workspace.directory.appendingPathComponent("c.log"))
        let done = try await stage.waitForAckFloor(cDurable, last, process: process)
        await process.stop()
        return done - process.started
    }

    /// The Python bridge over the events of its durable: process start to its ack floor reaching `last` (filter
    /// mode), or to its exit (http mode, which the sink times).
    static func runBridge(
        _ programs: Programs, _ stage: Stage, count: Int, mode: String, argument: String, last: UInt64? = nil
    ) async throws -> Duration {
        let process = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "python3", programs.bridge, stage.server.url, Stage.stream, bridgeDurable, "\(count)", mode, argument,
            ],
            directory: stage.workspace.directory, log: stage.workspace.directory.appendingPathComponent("bridge.log"))
        if let last {
            let done = try await stage.waitForAckFloor(bridgeDurable, last, process: process)
            await process.stop()
            return done - process.started
        }
        guard try await process.wait() == 0 else {
            throw BenchmarkFailure(
                description: "Python bridge failed (make deps installs nats-py, aiohttp): \(process.output)")
        }
        return ContinuousClock.now - process.started
    }

    /// The C program and the gateway on the same pre-published stream (alternating which goes first by `cFirst`).
    static func compare(
        _ programs: Programs, sensors: [String: String], concurrency: Int, count: Int, payloadBytes: Int = 0,
        cFirst: Bool, bridge: Bool = false
    ) async throws -> (c: Double, gateway: Double, peakRSS: Int, bridge: Double?) {
        let batch = cBatch(payloadBytes)
        let count = fullBatches(count, of: batch)
        let stage = try await Stage(programs: programs, sensors: sensors, concurrency: concurrency)
        do {
            try await stage.makeBaselineConsumer(cDurable)
            if bridge { try await stage.makeBaselineConsumer(bridgeDurable) }
            let last = try await stage.publish(count: count, subject: Events.subject, payloadBytes: payloadBytes)
            var c = 0.0
            var run = GatewayRun(elapsed: .zero, peakRSS: 0)
            for side in cFirst ? ["c", "gateway"] : ["gateway", "c"] {
                if side == "c" {
                    c = rate(count, try await runC(programs, stage, count: count, last: last, batch: batch))
                } else {
                    run = try await runGateway(programs, stage, subject: Events.subject, last: last)
                }
            }
            var bridgeRate: Double?
            if bridge {
                bridgeRate = rate(
                    count,
                    try await runBridge(
                        programs, stage, count: count, mode: "filter", argument: "\(sensors.count)", last: last))
            }
            await stage.close()
            return (c, rate(count, run.elapsed), run.peakRSS, bridgeRate)
        } catch {
            await stage.close()
            throw error
        }
    }

    /// `count` rounded up to whole batches of the C loop: it acks a batch only once its fetch is full, so a last
    /// partial batch would wait out the fetch's 1 s expiry and charge it to C.
    static func fullBatches(_ count: Int, of batch: Int = 256) -> Int { (count + batch - 1) / batch * batch }

    /// The C loop's batch: 256, fewer for large messages (a fetch must stay under libnats' 64 MB of pending bytes
    /// per subscription, or the server's messages are dropped as a slow consumer's).
    static func cBatch(_ payloadBytes: Int) -> Int { max(1, min(256, 32_000_000 / max(payloadBytes, 1))) }

    // MARK: 1 and 4: filter-only throughput against C and the Python bridge

    static func filterOnly(_ programs: Programs, _ counts: Counts, _ report: inout Report) async throws {
        var cRates: [Double] = []
        var gatewayRates: [Double] = []
        var bridgeRate = 0.0
        var peak = 0
        for round in 1...counts.rounds {
            let result = try await compare(
                programs, sensors: Events.filterSensors(counts.sensors), concurrency: counts.concurrency,
                count: counts.filterEvents, cFirst: round % 2 == 1, bridge: round == 1)
            cRates.append(result.c)
            gatewayRates.append(result.gateway)
            peak = max(peak, result.peakRSS)
            if let bridge = result.bridge { bridgeRate = bridge }
        }
        let c = median(cRates) ?? 0
        let gateway = median(gatewayRates) ?? 0
        let spread = gatewayRates.map { formatRate($0) }.joined(separator: ", ")
        report.add(
            "1 filter-only: \(fullBatches(counts.filterEvents)) events, \(counts.sensors) sensors × 3 filters, start-up included"
                + " (median of \(counts.rounds); gateway runs: \(spread))",
            formatRate(gateway), baseline: "C consume.c batch 256: \(formatRate(c))", ratio: ratio(gateway, c),
            target: "≥ 0.8×", holds: gateway >= 0.8 * c)
        report.add(
            "4 filter-only vs Python bridge (nats-py + msgpack, batch 256), same stream", formatRate(gateway),
            baseline: "Python: \(formatRate(bridgeRate))", ratio: ratio(gateway, bridgeRate), target: "≥ 10×",
            holds: gateway >= 10 * bridgeRate)
        report.add("5 RSS under filter-only load (peak)", megabytes(peak), target: "≤ 150 MB", holds: peak <= 150 << 20)
    }

    // MARK: 2 (and 5: start to ready, idle RSS): trigger latency at a fixed rate

    static func latency(_ programs: Programs, _ counts: Counts, _ report: inout Report) async throws {
        let total = counts.latencyRate * counts.latencySeconds
        let sink = try RecordingSink(capacity: total)
        let stage = try await Stage(
            programs: programs, sensors: Events.httpSensor(url: sink.url), concurrency: counts.concurrency)
        do {
            // Start to ready, repeated: process start → /readyz 200 (polled every 2 ms).
            var starts: [Duration] = []
            var gateway: ChildProcess?
            for repeatIndex in 0..<counts.startRepeats {
                let process = try programs.startGateway(stage.workspace)
                while httpStatus(port: stage.workspace.adminPort, path: "/readyz") != 200 {
                    guard process.isRunning, ContinuousClock.now - process.started < .seconds(60) else {
                        throw BenchmarkFailure(description: "the gateway did not get ready:\n\(process.output)")
                    }
                    try await Task.sleep(for: .milliseconds(2))
                }
                starts.append(ContinuousClock.now - process.started)
                if repeatIndex == counts.startRepeats - 1 {
                    gateway = process
                } else {
                    await process.stop()
                }
            }
            guard let gateway else { throw BenchmarkFailure(description: "no gateway started") }
            try await Task.sleep(for: .seconds(2))
            let idleMemory = gateway.memory()
            let idle = idleMemory?.rss ?? 0

            // Publish at a fixed rate; each event's publish instant is taken just before it is sent.
            let connection = stage.connection
            var published = [ContinuousClock.Instant](repeating: .now, count: total)
            var loaded = 0
            let interval = Duration.seconds(1) / counts.latencyRate
            let begin = ContinuousClock.now + .milliseconds(10)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<total {
                    let due = begin + interval * index
                    if ContinuousClock.now < due { try await Task.sleep(until: due, clock: .continuous) }
                    let message = OutgoingMessage(
                        subject: Events.subject, data: Events.payload(sequence: index, bytes: 0))
                    published[index] = ContinuousClock.now
                    group.addTask { _ = try await connection.publish(message) }
                    if index % counts.latencyRate == 0 { loaded = max(loaded, gateway.memory()?.rss ?? 0) }
                }
                try await group.waitForAll()
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while sink.count < total && ContinuousClock.now < deadline && gateway.isRunning {
                try await Task.sleep(for: .milliseconds(10))
            }
            let loadedMemory = gateway.memory()
            let peak = loadedMemory?.peak ?? 0
            await gateway.stop()
            let samples = sink.snapshot { arrivals in
                (0..<total).compactMap { index in arrivals.times[index].map { $0 - published[index] } }
            }.sorted()
            func percentile(_ p: Double) -> Duration {
                samples.isEmpty
                    ? .zero : samples[min(samples.count - 1, Int((Double(samples.count) * p).rounded(.down)))]
            }
            let missing = total - samples.count
            let p50 = percentile(0.5)
            let p99 = percentile(0.99)
            report.add(
                "2 trigger latency, publish → request received, \(counts.latencyRate) events/s for \(counts.latencySeconds) s"
                    + " (\(samples.count) samples\(missing > 0 ? ", \(missing) MISSING" : ""), exact percentiles)",
                "p50 \(milliseconds(p50)), p99 \(milliseconds(p99)), p99.9 \(milliseconds(percentile(0.999))), max \(milliseconds(samples.last ?? .zero))",
                target: "p50 < 2 ms, p99 < 10 ms",
                holds: missing == 0 && p50 < .milliseconds(2) && p99 < .milliseconds(10))
            let start = median(starts) ?? .zero
            report.add(
                "5 start to ready: process start → /readyz 200 (median of \(starts.count); 1 http sensor)",
                milliseconds(start), target: "< 300 ms", holds: start < .milliseconds(300))
            report.add(
                "5 RSS idle (ready, 2 s after): VmRSS (RssAnon heap and stacks + RssFile pages of the binary and shared libraries)",
                "\(megabytes(idle)) (anon \(megabytes(idleMemory?.anonymous ?? 0)) + file \(megabytes(idleMemory?.file ?? 0)))",
                target: "≤ 40 MB", holds: idle <= 40 << 20)
            report.add(
                "5 RSS under trigger load (\(counts.latencyRate)/s; sampled, then VmHWM)",
                "\(megabytes(loaded)), peak \(megabytes(peak)) (anon at the end \(megabytes(loadedMemory?.anonymous ?? 0)))",
                target: "≤ 150 MB", holds: peak <= 150 << 20)
            await stage.close()
        } catch {
            await stage.close()
            throw error
        }
    }

    // MARK: 3 and 4: trigger throughput against the bare HTTP client and the Python bridge

    /// The gateway's `http` trigger at each depth of `counts.triggerDepths` (`processing.concurrency`), each run
    /// followed by the bare `HTTPClient` at the same depth against the same sink, `counts.rounds` times (the row is the
    /// round with the median ratio: the machine's pace drifts between runs seconds apart), and the Python bridge at 16.
    static func throughput(_ programs: Programs, _ counts: Counts, _ report: inout Report) async throws {
        let total = counts.throughputEvents
        let sink = try RecordingSink(capacity: total)
        for depth in counts.triggerDepths {
            var rounds: [(run: TriggerRun, bare: Double, bridge: Double)] = []
            for round in 1...counts.rounds {
                sink.reset(capacity: total)
                let stage = try await Stage(
                    programs: programs, sensors: Events.httpSensor(url: sink.url), concurrency: depth)
                do {
                    let bridge = depth == 16 && round == 1
                    if bridge { try await stage.makeBaselineConsumer(bridgeDurable) }
                    try await stage.publish(count: total, subject: Events.subject)
                    let run = try await triggerRun(programs, stage, sink: sink, requests: total)
                    let bare = try await BareClient.run(
                        sink: sink, total: total, inFlight: depth, work: .microseconds(counts.bareWorkMicroseconds))
                    let bareBridge = try await BareBridge.run(stage: stage, sink: sink, total: total, inFlight: depth)
                    rounds.append((run, bare, bareBridge))
                    if bridge {
                        let bridgeTotal = min(counts.bridgeHTTPEvents, total)
                        sink.reset(capacity: bridgeTotal)
                        let bridgeElapsed = try await runBridge(
                            programs, stage, count: bridgeTotal, mode: "http", argument: sink.url)
                        let (bridgeFirst, bridgeLast, bridgeConnections) = sink.snapshot {
                            ($0.first, $0.last, $0.connections)
                        }
                        let bridgeSustained = rate(bridgeTotal - 1, (bridgeLast ?? .now) - (bridgeFirst ?? .now))
                        report.add(
                            "4 trigger throughput vs Python bridge (aiohttp, 16 in flight; \(bridgeTotal) events, "
                                + "\(bridgeConnections) connections), first → last request (start-up included: gateway "
                                + "\(formatRate(run.withStart)), Python \(formatRate(rate(bridgeTotal, bridgeElapsed))))",
                            formatRate(run.sustained), baseline: "Python: \(formatRate(bridgeSustained))",
                            ratio: ratio(run.sustained, bridgeSustained), target: "≥ 10×",
                            holds: run.sustained >= 10 * bridgeSustained)
                    }
                    await stage.close()
                } catch {
                    await stage.close()
                    throw error
                }
            }
            let ordered = rounds.sorted { $0.run.sustained / $0.bare < $1.run.sustained / $1.bare }
            let (run, bare, _) = ordered[ordered.count / 2]
            let ratios = rounds.map { ratio($0.run.sustained, $0.bare) }.joined(separator: ", ")
            report.add(
                "3 trigger throughput, \(depth) in flight: \(total) pre-published events → 1 http trigger each, "
                    + "keep-alive, processing.concurrency \(depth); first → last request (start-up included: "
                    + "\(formatRate(run.withStart))); \(run.connections) connections"
                    + (run.received > total ? "; \(run.received - total) requests repeated" : "")
                    + "; median of \(rounds.count) rounds, each the gateway then the bare client (ratios: \(ratios))",
                formatRate(run.sustained),
                baseline: "bare HTTPClient, \(depth) in flight, same sink"
                    + (counts.bareWorkMicroseconds > 0
                        ? " + \(counts.bareWorkMicroseconds) µs of work per request" : "")
                    + ": \(formatRate(bare))",
                ratio: ratio(run.sustained, bare), target: "≥ 0.6×", holds: run.sustained >= 0.6 * bare)
            let byBridge = rounds.sorted { $0.run.sustained / $0.bridge < $1.run.sustained / $1.bridge }
            let median = byBridge[byBridge.count / 2]
            report.add(
                "3 trigger throughput, \(depth) in flight, against a bare JetStream → HTTP bridge (the same events from a "
                    + "durable of its own, decoded for data.seq, POST, ack once answered; no sensors, identity, record, "
                    + "metrics or log line); median of \(rounds.count) rounds (ratios: "
                    + rounds.map { ratio($0.run.sustained, $0.bridge) }.joined(separator: ", ") + ")",
                formatRate(median.run.sustained),
                baseline: "bare bridge, \(depth) in flight, same sink: \(formatRate(median.bridge))",
                ratio: ratio(median.run.sustained, median.bridge))
            let peakRSS = rounds.map(\.run.peakRSS).max() ?? 0
            report.add(
                "5 RSS under trigger throughput, \(depth) in flight (peak)", megabytes(peakRSS),
                target: "≤ 150 MB", holds: peakRSS <= 150 << 20)
        }
    }

    /// What one gateway run against the sink gave.
    struct TriggerRun {
        var sustained: Double
        var withStart: Double
        var connections: Int
        var received: Int
        var peakRSS: Int
    }

    /// Starts the gateway on `stage` and waits until the sink has received `requests` requests.
    static func triggerRun(_ programs: Programs, _ stage: Stage, sink: RecordingSink, requests: Int) async throws
        -> TriggerRun
    {
        let gateway = try programs.startGateway(stage.workspace)
        var peak = 0
        while sink.count < requests {
            guard gateway.isRunning, ContinuousClock.now - gateway.started < .seconds(600) else {
                await gateway.stop()
                throw BenchmarkFailure(
                    description: "the sink got \(sink.count) of \(requests)\n\(gateway.output.suffix(4000))")
            }
            peak = max(peak, gateway.memory()?.rss ?? 0)
            try await Task.sleep(for: .milliseconds(5))
        }
        peak = max(peak, gateway.memory()?.peak ?? 0)
        await gateway.stop()
        let (first, last, received, connections) = sink.snapshot { ($0.first, $0.last, $0.count, $0.connections) }
        return TriggerRun(
            sustained: rate(requests - 1, (last ?? .now) - (first ?? .now)),
            withStart: rate(requests, (last ?? .now) - gateway.started), connections: connections, received: received,
            peakRSS: peak)
    }

    /// A `kubeflowPipeline` trigger (pipeline and experiment by id; the sink as the KFP API): each firing is claimed
    /// in KV, then looks for its run by name (a GET) and creates it (a POST). Against the bare client sending the
    /// same two requests per event at the same depth.
    static func claimed(_ programs: Programs, _ counts: Counts, _ report: inout Report) async throws {
        let total = counts.claimedEvents
        let depth = 16
        let sink = try RecordingSink(capacity: total)
        let stage = try await Stage(
            programs: programs, sensors: Events.kubeflowSensor, concurrency: depth,
            extraConfiguration: "kubeflow: {host: \"http://127.0.0.1:\(sink.port)\"}")
        do {
            try await stage.publish(count: total, subject: Events.subject)
            let run = try await triggerRun(programs, stage, sink: sink, requests: 2 * total)
            let created = sink.snapshot { arrivals in arrivals.times.count { $0 != nil } }
            let bare = try await BareClient.run(sink: sink, total: total, inFlight: depth, lookUpFirst: true)
            report.add(
                "3 claimed trigger (kubeflowPipeline by ids, 16 in flight): \(total) events → KV claim, run look-up "
                    + "(GET) and create (POST) each; \(created) runs created; first → last request (start-up included: "
                    + "\(formatRate(run.withStart / 2)))",
                "\(formatRate(run.sustained / 2)) firings",
                baseline: "bare HTTPClient GET + POST, 16 in flight: \(formatRate(bare / 2)) firings",
                ratio: ratio(run.sustained, bare))
            await stage.close()
        } catch {
            await stage.close()
            throw error
        }
    }

    // MARK: 5: memory with correlations held

    static func memory(_ programs: Programs, _ counts: Counts, _ report: inout Report) async throws {
        let stage = try await Stage(programs: programs, sensors: Events.pairSensor, concurrency: counts.concurrency)
        let correlations = fullBatches(counts.correlations)
        do {
            let subject = "events.src.a"
            try await stage.makeBaselineConsumer(cDurable)
            let last = try await stage.publish(count: correlations, subject: subject)
            let c = rate(correlations, try await runC(programs, stage, count: correlations, last: last))
            let run = try await runGateway(programs, stage, subject: subject, last: last)
            let processed = rate(correlations, run.elapsed)
            report.add(
                "5 correlations: \(correlations) distinct `a` events into `a && b` (each a KV compare-and-set;"
                    + " the latest `a` is held), rate and peak RSS",
                "\(formatRate(processed)), peak \(megabytes(run.peakRSS))", baseline: "C consume.c: \(formatRate(c))",
                ratio: ratio(processed, c), target: "≤ 150 MB", holds: run.peakRSS <= 150 << 20)
            await stage.close()
        } catch {
            await stage.close()
            throw error
        }
    }

    // MARK: 6: growth with sensors and payload size

    static func sensorGrowth(_ programs: Programs, _ counts: Counts, _ report: inout Report) async throws {
        for (index, sensors) in counts.growthSensors.enumerated() {
            // The same events for every row: with the sensor index an event costs about as much whatever the
            // sensors, and start-up (parsing the sensor files) weighs the same in each row.
            let events = counts.growthEvents
            let result = try await compare(
                programs, sensors: Events.filterSensors(sensors), concurrency: counts.concurrency,
                count: events, cFirst: index % 2 == 0)
            report.add(
                "6 sensors: \(sensors) × 3 filters, \(fullBatches(events)) events, start-up (parsing the sensor files) included",
                "\(formatRate(result.gateway)) (\(formatRate(result.gateway * Double(sensors * 3))) filter verdicts), peak \(megabytes(result.peakRSS))",
                baseline: "C: \(formatRate(result.c))", ratio: ratio(result.gateway, result.c))
        }
    }

    static func payloadGrowth(_ programs: Programs, _ counts: Counts, _ report: inout Report) async throws {
        for (index, (label, bytes, count)) in counts.payloads.enumerated() {
            let size = Events.payload(sequence: 0, bytes: bytes).count
            let result = try await compare(
                programs, sensors: Events.filterSensors(counts.sensors), concurrency: counts.concurrency, count: count,
                payloadBytes: bytes, cFirst: index % 2 == 0)
            let throughput = String(format: "%.1f MB/s", result.gateway * Double(size) / 1_048_576)
            report.add(
                "6 payload \(label) (\(size) B messages), \(counts.sensors) sensors × 3 filters, "
                    + "\(fullBatches(count, of: cBatch(bytes))) events, C batch \(cBatch(bytes))",
                "\(formatRate(result.gateway)) (\(throughput)), peak \(megabytes(result.peakRSS))",
                baseline: "C: \(formatRate(result.c))", ratio: ratio(result.gateway, result.c))
        }
    }
}
