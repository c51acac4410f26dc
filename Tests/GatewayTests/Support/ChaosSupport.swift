import EventModel
import Foundation
import JetStream
import JetStreamTesting
import LoopbackTesting

/// How big the chaos runs are: `SENSOR_GATEWAY_CHAOS=long` (`make chaos`) runs the issue's sizes, anything else the
/// short versions of `make test`.
enum ChaosScale {
    static let long = ProcessInfo.processInfo.environment["SENSOR_GATEWAY_CHAOS"] == "long"

    /// Events published in a crash or kill run, and one in `triggerEvery` of them passes the filter.
    static var events: Int { long ? 20_000 : 2_000 }
    static let triggerEvery = 10
    static var triggers: Int { events / triggerEvery }
    /// Gateway kill -9 rounds.
    static var crashRounds: Int { long ? 5 : 2 }
    /// How long the sink answers 503.
    static var stormSeconds: Int { long ? 30 : 5 }
    /// `a && b` rounds across replicas.
    static var pairRounds: Int { long ? 50 : 8 }
    /// Events per replica count in the throughput measurement.
    static var throughputEvents: Int { long ? 5_000 : 400 }
    /// Events published in a NATS cluster run (one in `triggerEvery` fires), and its rounds: stream-leader kills, or
    /// rolling restarts of every node.
    static var clusterEvents: Int { long ? 10_000 : 1_000 }
    static var clusterRounds: Int { long ? 3 : 1 }
    /// The wait after each publish of a cluster run, so the events span the node kills and restarts.
    static let clusterPublishPause = Duration.milliseconds(10)
    /// The time limit of an `eventually` over a whole run.
    static var runTimeout: Duration { long ? .seconds(900) : .seconds(150) }

    /// A figure for docs/reliability.md, on standard output (`CHAOS-FIGURE ...`).
    static func report(_ line: String) {
        print("CHAOS-FIGURE \(long ? "long" : "short"): \(line)")
    }
}

extension GatewayWorkspace {
    /// Replaces `old` by `new` in `gateway.yaml` (e.g. the processing settings of one test).
    func editConfiguration(replacing old: String, with new: String) throws {
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        guard text.contains(old) else { throw HarnessFailure(description: "gateway.yaml has no \(old)") }
        try text.replacingOccurrences(of: old, with: new).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// A replica's workspace: the same NATS server, sensors and environment (so the same consumers and KV bucket),
    /// its own directory and admin port.
    func replica(sensors: [String: String]) throws -> GatewayWorkspace {
        let other = try GatewayWorkspace(natsURL: natsURL, sensors: sensors, environment: environment)
        let mine = try String(contentsOfFile: configPath, encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:\(adminPort)", with: "127.0.0.1:\(other.adminPort)")
            .replacingOccurrences(of: directory.path, with: other.directory.path)
        try mine.write(toFile: other.configPath, atomically: true, encoding: .utf8)
        return other
    }

    /// The modification times of the outbox files.
    func outboxTimes() -> [Date] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap {
            (try? FileManager.default.attributesOfItem(atPath: outbox.appendingPathComponent($0).path))?[
                .modificationDate] as? Date
        }
    }
}

extension APIStandIn {
    /// What the sink did with the workflow creates (POST /api/v1/workflows/<namespace>).
    struct Creates {
        /// 2xx answers per workflow name.
        var accepted: [String: Int] = [:]
        /// The `name` parameter of each accepted workflow.
        var parameters: [String] = []
        /// Answers per status.
        var statuses: [Int: Int] = [:]
        /// Create requests answered 409 per workflow name: a create that reached the sink for a workflow it had
        /// already created, i.e. a firing executed twice over (found done, but sent again).
        var conflicts: [String: Int] = [:]

        var duplicates: [String: Int] { accepted.filter { $0.value > 1 } }
    }

    /// The Kubeflow runs created (2xx answers to `POST /apis/v2beta1/runs`) per display name: every create that
    /// reached the sink, since runs have no unique name there.
    func runCreates() async throws -> [String: Int] {
        var created: [String: Int] = [:]
        for request in try await log()
        where request.method == "POST" && request.path == "/apis/v2beta1/runs" && request.status / 100 == 2 {
            created[request.body?["display_name"]?.stringValue ?? "", default: 0] += 1
        }
        return created
    }

    /// The workflow creates in the log, for `namespace`.
    func creates(namespace: String = "argo") async throws -> Creates {
        var result = Creates()
        for request in try await log()
        where request.method == "POST" && request.path == "/api/v1/workflows/\(namespace)" {
            result.statuses[request.status, default: 0] += 1
            guard let workflow = request.body?["workflow"], let name = workflow["metadata"]?["name"]?.stringValue
            else { continue }
            if request.status == 409 { result.conflicts[name, default: 0] += 1 }
            guard request.status / 100 == 2 else { continue }
            result.accepted[name, default: 0] += 1
            if let value = workflow["spec"]?["arguments"]?["parameters"]?.arrayValue?.first?["value"]?.stringValue {
                result.parameters.append(value)
            }
        }
        return result
    }
}

extension GatewayProcess {
    /// The sum of the metric lines that start with `prefix` and contain every one of `containing`.
    func metricSum(_ prefix: String, containing: [String] = []) async -> Double {
        guard let body = await get("/metrics")?.body else { return -1 }
        var sum = 0.0
        for line in body.split(separator: "\n") where line.hasPrefix(prefix) && containing.allSatisfy(line.contains) {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { sum += value }
        }
        return sum
    }
}
