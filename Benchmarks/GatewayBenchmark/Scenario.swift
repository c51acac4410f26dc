import EventModel
import Foundation
import Gateway
import JetStream
import JetStreamTesting

/// What every scenario needs: the programs and where they are.
struct Programs {
    let gateway: String
    let cConsumer: String
    let bridge: String
    let specs: String
    /// A command put before the gateway (e.g. `valgrind --tool=callgrind`), from `GATEWAY_BENCH_WRAPPER`.
    let wrapper: [String]

    /// `sensor-gateway run` of `workspace` as a child process (text logs at `info`, the defaults).
    func startGateway(_ workspace: Workspace) throws -> ChildProcess {
        let arguments = ["run", "--config", workspace.configPath]
        let log = workspace.directory.appendingPathComponent("gateway-\(UUID().uuidString.prefix(6)).log")
        if !wrapper.isEmpty {
            // Through env, which finds the tool on PATH (the memory figures are then the tool's).
            return try ChildProcess(
                executable: "/usr/bin/env", arguments: wrapper + [gateway] + arguments,
                directory: workspace.directory, log: log)
        }
        return try ChildProcess(executable: gateway, arguments: arguments, directory: workspace.directory, log: log)
    }

    /// `sensor-gateway provision`: the streams, the bucket and one consumer per dependency subject, before any
    /// event is published (the gateway's consumers deliver only what is published after they exist).
    func provision(_ workspace: Workspace) async throws {
        let process = try ChildProcess(
            executable: gateway, arguments: ["provision", "--config", workspace.configPath],
            directory: workspace.directory, log: workspace.directory.appendingPathComponent("provision.log"))
        guard try await process.wait(timeout: .seconds(120)) == 0 else {
            throw BenchmarkFailure(description: "sensor-gateway provision failed:\n\(process.output)")
        }
    }
}

/// One nats-server, a provisioned workspace and a connection: the stage of one measurement.
final class Stage {
    static let stream = "EVENTS"

    let server: NATSServerProcess
    let workspace: Workspace
    let connection: NATSConnection
    /// Messages stored in the stream so far: the stream is new and only this stage publishes to it, so this is
    /// also its last sequence.
    private(set) var stored: UInt64 = 0

    /// - Parameter extraConfiguration: lines added to `gateway.yaml`.
    init(programs: Programs, sensors: [String: String], concurrency: Int, extraConfiguration: String = "") async throws
    {
        server = try NATSServerProcess.start()
        do {
            workspace = try Workspace(
                natsURL: server.url, specs: programs.specs, sensors: sensors, concurrency: concurrency,
                extraConfiguration: extraConfiguration)
            try await programs.provision(workspace)
            connection = try await NATSConnection.connect(
                ConnectionOptions(urls: [server.url], name: "gateway-benchmark"))
        } catch {
            server.stop()
            throw error
        }
    }

    func close() async {
        await connection.close()
        server.stop()
        workspace.remove()
    }

    /// A durable consumer of the whole stream for a baseline (deliver all, explicit acks, the gateway's limits):
    /// only the workload's subject is published to it. (consume.c binds with the subject `>`, which a filtered
    /// consumer refuses.)
    func makeBaselineConsumer(_ name: String) async throws {
        var spec = ConsumerSpec(stream: Self.stream, durableName: name)
        spec.deliverPolicy = .all
        spec.ackPolicy = .explicit
        spec.ackWait = .seconds(30)
        spec.maxAckPending = 4096
        spec.maxBatch = 1024
        _ = try await connection.createOrUpdate(spec)
    }

    /// Publishes `count` events to `subject` (sequence numbers `first..<first+count` in `data.seq`); returns the
    /// stream's last sequence.
    @discardableResult
    func publish(count: Int, subject: String, first: Int = 0, payloadBytes: Int = 0) async throws -> UInt64 {
        var start = first
        let chunk = max(1, min(10_000, 20_000_000 / max(payloadBytes, 1)))
        while start < first + count {
            let end = min(start + chunk, first + count)
            let result = try await connection.publishBatch(
                (start..<end).map {
                    OutgoingMessage(subject: subject, data: Events.payload(sequence: $0, bytes: payloadBytes))
                }, timeout: .seconds(60))
            guard result.failures.isEmpty else { throw result.failures[0].error }
            stored += UInt64(result.acknowledged)
            start = end
        }
        return stored
    }

    /// Waits until the ack floor of `consumer` reaches `sequence`; returns the instant it was seen (polled every
    /// 10 ms) or throws when `timeout` passes, or 2 s after `process` exited: a consumer that exits once it has
    /// acknowledged its count (consume.c) may exit before a poll sees its last acks.
    func waitForAckFloor(
        _ consumer: String, _ sequence: UInt64, process: ChildProcess, timeout: Duration = .seconds(900),
        whileWaiting: () -> Void = {}
    ) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        var exitDeadline: ContinuousClock.Instant?
        while true {
            if let info = try? await connection.consumerInfo(stream: Self.stream, consumer: consumer),
                info.ackFloorStreamSequence >= sequence
            {
                return ContinuousClock.now
            }
            whileWaiting()
            if exitDeadline == nil, !process.isRunning { exitDeadline = ContinuousClock.now + .seconds(2) }
            guard ContinuousClock.now < min(deadline, exitDeadline ?? deadline) else {
                throw BenchmarkFailure(
                    description:
                        "\(consumer) did not ack up to \(sequence)\n--- output ---\n\(process.output.suffix(4000))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The benchmark's events and sensors.
enum Events {
    static let subject = "events.bench.load"

    /// A structured MessagePack CloudEvent; `data` = {value, ok, name, seq} and a `pad` string making the message
    /// about `bytes` long (none when `bytes` is at most the bare event's size).
    static func payload(sequence: Int, bytes: Int) -> [UInt8] {
        var data: EventMap = ["value": 42, "ok": true, "name": "sensor-a", "seq": .int(Int64(sequence))]
        let event: EventMap = [
            "specversion": "1.0", "id": .string("bench-\(sequence)"), "source": "bench", "type": "bench.load",
            "datacontenttype": "application/json",
        ]
        var bare = event
        bare["data"] = .map(data)
        let encoded = MessagePackCodec.encode(.map(bare))
        guard bytes > encoded.count + 8 else { return encoded }
        data["pad"] = .string(String(repeating: "x", count: bytes - encoded.count - 8))
        var padded = event
        padded["data"] = .map(data)
        return MessagePackCodec.encode(.map(padded))
    }

    /// A sensor whose one dependency has three data filters of which the last fails (value > 0, name matches
    /// ^sensor-.*$, ok == false): every filter is evaluated, nothing fires.
    static func filterSensor(_ index: Int) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: filter-\(index)}
        spec:
          dependencies:
            - name: load
              eventSourceName: bench
              eventName: load
              filters:
                data:
                  - {path: value, type: number, comparator: ">", value: ["0"]}
                  - {path: name, type: string, value: ["^sensor-.*$"]}
                  - {path: ok, type: bool, value: ["false"]}
          triggers:
            - template: {name: never, log: {}}

        """
    }

    static func filterSensors(_ count: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (0..<count).map { ("filter-\($0).yaml", filterSensor($0)) })
    }

    /// A sensor firing one `http` trigger to `url` per event, with body {"seq": data.seq}.
    static func httpSensor(url: String) -> [String: String] {
        [
            "hook.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: hook}
            spec:
              dependencies:
                - {name: load, eventSourceName: bench, eventName: load}
              triggers:
                - template:
                    name: post
                    http:
                      url: \(url)
                      method: POST
                      payload:
                        - {src: {dependencyName: load, dataKey: seq}, dest: seq}

            """
        ]
    }

    /// A `kubeflowPipeline` trigger per event, pipeline and experiment named by id (no name look-ups), the event's
    /// `data.seq` a runtime parameter (so the sink sees `"seq":N` in the create request).
    static let kubeflowSensor: [String: String] = [
        "kfp.yaml": """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: kfp}
        spec:
          dependencies:
            - {name: load, eventSourceName: bench, eventName: load}
          triggers:
            - template:
                name: run
                kubeflowPipeline:
                  pipelineId: p-bench
                  experimentId: e-bench
                  parameters:
                    - {src: {dependencyName: load, dataKey: seq}, dest: runtimeParameters.seq}

        """
    ]

    /// `a && b`: every `a` is held until a `b` comes.
    static let pairSensor: [String: String] = [
        "pair.yaml": """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: pair}
        spec:
          dependencies:
            - {name: a, eventSourceName: src, eventName: a}
            - {name: b, eventSourceName: src, eventName: b}
          triggers:
            - template:
                name: both
                conditions: "a && b"
                log: {}

        """
    ]

    static func durable(_ subject: String) -> String {
        SensorSet.durableName(subject: subject)
    }
}
