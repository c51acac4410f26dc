import EventModel
import Foundation
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// kill -9 of the built gateway while `k8s` triggers create resources through the Kubernetes API stand-in: every
/// firing's ConfigMap exists once, and no create of a firing reached the API twice (a redelivered firing reads its
/// object before it creates it, and finds its own by its label). Part of the chaos pass (`SENSOR_GATEWAY_CHAOS=long` for the long version).
@Suite(.serialized, .timeLimit(.minutes(10)), .natsServer, .gatewayBinary)
struct K8sTriggerChaosTests {
    /// One dependency filtered on `body.accepted`; a ConfigMap named after the firing holding the event's name.
    static let sensor = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: maps, namespace: work}
        spec:
          dependencies:
            - name: one
              eventSourceName: src
              eventName: one
              filters:
                data:
                  - {path: body.accepted, type: bool, value: ["true"]}
          triggers:
            - template:
                name: note
                k8s:
                  source:
                    resource:
                      apiVersion: v1
                      kind: ConfigMap
                      metadata: {generateName: note-}
                      data: {event: placeholder}
                  parameters:
                    - src: {dependencyName: one, dataKey: body.name}
                      dest: data.event

        """

    @Test func killNineDuringK8sTriggersCreatesNothingTwice() async throws {
        let standIn = try KubernetesStandIn()
        defer { Task { await standIn.stop() } }
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["maps.yaml": Self.sensor], kubernetes: "server: \"\(standIn.base)\"")
        defer { workspace.remove() }
        let total = ChaosScale.events
        let expected = ChaosTests.expectedNames("k8s", count: total)
        func created() async throws -> [String: [Int]] {
            var statuses: [String: [Int]] = [:]
            for request in try await standIn.log()
            where request.method == "POST" && request.path == "/api/v1/namespaces/work/configmaps" {
                let name = request.body?["metadata"]?["name"]?.stringValue ?? ""
                statuses[name, default: []].append(request.status)
            }
            return statuses
        }
        func stored() async throws -> [String] {
            try await standIn.objects("configmaps", namespace: "work").compactMap { $0["data"]?["event"]?.stringValue }
        }

        var gateway = try await ChaosTests.start(workspace)
        var all = [gateway]
        let publisher = try PythonPublisher.start(server: server.url, ChaosTests.events("k8s", count: total))
        for _ in 0..<ChaosScale.crashRounds {
            let before = try await stored().count
            try await gateway.eventually("the gateway to make progress", timeout: .seconds(120)) {
                (try? await stored().count).map { $0 > before || $0 >= expected.count } ?? false
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 200...2000)))
            try await ChaosTests.kill9(gateway)
            gateway = try await ChaosTests.start(workspace)
            all.append(gateway)
        }
        #expect(try publisher.finish().count == total)
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        do {
            try await eventually("every ConfigMap, and nothing pending", timeout: ChaosScale.runTimeout) {
                guard let events = try? await stored(), Set(events).isSuperset(of: expected) else { return false }
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: ChaosTests.oneConsumer)
                return info?.pending == 0 && info?.ackPending == 0
            }
        } catch {
            let logs = all.map { String($0.logText.suffix(3000)) }.joined(separator: "\n---\n")
            throw HarnessFailure(description: "\(error); stored \(try await stored().count)/\(expected.count)\n\(logs)")
        }
        await connection.close()
        let events = try await stored()
        #expect(events.count == expected.count, "one ConfigMap per firing")
        #expect(Set(events) == expected)
        let creates = try await created()
        let twice = creates.filter { $0.value.filter { $0 == 201 }.count > 1 }
        #expect(twice.isEmpty, "names created twice: \(twice)")
        #expect(
            creates.values.allSatisfy { $0 == [201] }, "creates sent again: \(creates.filter { $0.value != [201] })")
        ChaosScale.report(
            "k8s crash: \(total) events, \(expected.count) firings, \(ChaosScale.crashRounds) kill -9 rounds; "
                + "\(creates.count) names created, each with one create request")
        gateway.send(SIGTERM)
        _ = try await gateway.waitForExit()
    }
}
