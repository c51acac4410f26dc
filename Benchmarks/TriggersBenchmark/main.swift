import ConfigReader
import EventModel
import Foundation
import HTTPTransport
import SensorEngine
import SensorLanguage
import SensorModel
import Triggers

// Trigger executions per second and their latency against a loopback sink that answers every request with
// `200 {}` over keep-alive connections, 64 in flight. Two rows: the raw HTTPClient (the floor), and
// TriggerExecutor.execute of an argoWorkflow submit (parameters, deterministic name, labels, JSON, HTTP).
// Run with `swift run -c release TriggersBenchmark`; the figures go in docs/performance.md.

/// A minimal HTTP/1.1 keep-alive server on 127.0.0.1: one thread per connection, a fixed `200 {}` answer.
final class LoopbackSink: Sendable {
    let port: Int

    init() {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 256) == 0 else { fatalError("sink: cannot listen: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                var noDelay: Int32 = 1
                setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                Thread { LoopbackSink.serve(connection) }.start()
            }
        }.start()
    }

    /// Answers each request on `connection` (headers, then `Content-Length` bytes of body) until it closes. Parses
    /// bytes directly: the sink shares the two cores with the client it measures, so it must stay cheap.
    static func serve(_ connection: Int32) {
        let answer = Array(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
        let contentLength = Array("content-length:".utf8)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var start = 0
        while true {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else {
                close(connection)
                return
            }
            buffer.append(contentsOf: chunk[0..<count])
            while let headerEnd = headerEnd(buffer, from: start) {
                let length = bodyLength(buffer[start..<headerEnd], field: contentLength)
                guard buffer.count >= headerEnd + length else { break }
                start = headerEnd + length
                _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, answer.count) }
            }
            if start == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
        }
    }

    /// The index just after the first `\r\n\r\n` at or after `from`.
    static func headerEnd(_ bytes: [UInt8], from: Int) -> Int? {
        var index = from
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    /// The `Content-Length` value of a request head (0 without one).
    static func bodyLength(_ head: ArraySlice<UInt8>, field: [UInt8]) -> Int {
        var index = head.startIndex
        while index + field.count <= head.endIndex {
            let matches = (0..<field.count).allSatisfy { head[index + $0] | 0x20 == field[$0] | 0x20 }
            if matches && (index == head.startIndex || head[index - 1] == 10) {
                var value = 0
                var digit = index + field.count
                while digit < head.endIndex, head[digit] == 32 { digit += 1 }
                while digit < head.endIndex, (48...57).contains(head[digit]) {
                    value = value * 10 + Int(head[digit] - 48)
                    digit += 1
                }
                return value
            }
            index += 1
        }
        return 0
    }
}

/// Runs `total` operations, `inFlight` at a time, and prints the rate and latency percentiles.
func measure(_ label: String, total: Int, inFlight: Int, _ operation: @escaping @Sendable (Int) async -> Bool)
    async
{
    let clock = ContinuousClock()
    let start = clock.now
    let (latencies, failures) = await withTaskGroup(of: ([Duration], Int).self) { group in
        for worker in 0..<inFlight {
            group.addTask {
                var latencies: [Duration] = []
                var failures = 0
                var index = worker
                while index < total {
                    let began = clock.now
                    if !(await operation(index)) { failures += 1 }
                    latencies.append(clock.now - began)
                    index += inFlight
                }
                return (latencies, failures)
            }
        }
        var all: [Duration] = []
        var failed = 0
        for await (part, failures) in group {
            all += part
            failed += failures
        }
        return (all.sorted(), failed)
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    func percentile(_ p: Double) -> String {
        let value = latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        let ms = Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
        return String(format: "%.2f ms", ms)
    }
    print(
        label.padding(toLength: 56, withPad: " ", startingAt: 0)
            + String(format: "%8.0f req/s", Double(total) / seconds)
            + "   p50 \(percentile(0.5))   p99 \(percentile(0.99))" + (failures > 0 ? "   FAILED \(failures)" : ""))
}

let sink = LoopbackSink()
let base = "http://127.0.0.1:\(sink.port)"
let total = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 50_000

let sensorText = """
    apiVersion: argoproj.io/v1alpha1
    kind: Sensor
    metadata: {name: bench}
    spec:
      dependencies:
        - {name: dep, eventSourceName: shop, eventName: order}
      triggers:
        - template:
            name: submit
            argoWorkflow:
              source:
                resource:
                  apiVersion: argoproj.io/v1alpha1
                  kind: Workflow
                  metadata: {generateName: order-}
                  spec:
                    workflowTemplateRef: {name: process-order}
                    arguments:
                      parameters: [{name: order, value: ""}, {name: amount, value: ""}]
              parameters:
                - {src: {dependencyName: dep, dataKey: order.id}, dest: spec.arguments.parameters.0.value}
                - {src: {dependencyName: dep, dataKey: order.amount}, dest: spec.arguments.parameters.1.value}
    """
let catalog = SensorLoader.load(text: sensorText, file: "bench.yaml")
guard let sensor = catalog.sensors.first, let trigger = sensor.triggers.first else {
    fatalError("benchmark sensor does not load: \(catalog.findings)")
}

/// Builds `count` submit requests without sending them (parameters, name, labels, JSON), on one core.
func buildRequests(count: Int) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var bytes = 0
    for index in 0..<count {
        let event = Event(
            id: "evt-\(index)", source: "shop", type: "order", subject: "order", dataContentType: "application/json",
            data: ["order": ["id": .string("o-\(index)"), "amount": .int(Int64(index))]])
        let identity = FiringIdentity(sensor: sensor.name, trigger: trigger.name, events: ["dep": event])
        guard let workflow = try? trigger.resolvedWorkflow(events: ["dep": event], sensor: sensor),
            case .map(var object) = workflow.resource, case .map(var metadata)? = object["metadata"]
        else { fatalError("benchmark trigger does not resolve") }
        metadata["name"] = .string(identity.name(prefix: "order-"))
        for (key, value) in identity.labels { metadata[key] = .string(value) }
        object["metadata"] = .map(metadata)
        let request = ArgoRequests.create(namespace: workflow.namespace, workflow: .map(object))
        bytes += request.body.map(JSONCodec.encode)?.count ?? 0
    }
    let elapsed = clock.now - start
    precondition(bytes > 0)
    return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

do {
    print("TriggersBenchmark: \(total) requests per row, loopback sink, keep-alive")
    print(
        "request building only (no HTTP), one core".padding(toLength: 56, withPad: " ", startingAt: 0)
            + String(format: "%8.0f req/s", buildRequests(count: total)))
    let client = try HTTPClient()
    let body = Array(#"{"namespace":"argo","workflow":{"metadata":{"name":"x"}}}"#.utf8)
    let request = HTTPRequest(
        method: "POST", url: base + "/api/v1/workflows/argo", headers: [("Content-Type", "application/json")],
        body: body)
    await measure("warm-up (HTTPClient, 64 in flight)", total: 2_000, inFlight: 64) { _ in
        (try? await client.execute(request))?.status == 200
    }
    let executor = try TriggerExecutor(configuration: .init(argo: .init(server: base, token: .value("bench-token"))))
    for inFlight in [64, 8] {
        await measure("HTTPClient.execute (floor), \(inFlight) in flight", total: total, inFlight: inFlight) { _ in
            (try? await client.execute(request))?.status == 200
        }
        await measure("TriggerExecutor.execute (argo submit), \(inFlight) in flight", total: total, inFlight: inFlight)
        {
            index in
            let event = Event(
                id: "evt-\(index)", source: "shop", type: "order", subject: "order",
                dataContentType: "application/json",
                data: ["order": ["id": .string("o-\(index)"), "amount": .int(Int64(index))]])
            return await executor.execute(trigger, sensor: sensor, events: ["dep": event]).isSuccess
        }
    }
    await client.shutdown()
    await executor.shutdown()
} catch {
    fatalError("benchmark failed: \(error)")
}
