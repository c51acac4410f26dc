import EventModel
import Foundation
import Gateway
import JetStreamTesting
import Kubernetes
import LoopbackTesting
import Testing

/// Sensors held as Kubernetes objects: the built `sensor-gateway run` against a real nats-server and the Kubernetes
/// API stand-in, reading the Sensors of namespace `ml` labelled `team=ml` beside a file sensor (`witness`, which
/// fires on every event), writing each Sensor's `Deployed` condition into its status.
@Suite("Sensors as Kubernetes resources", .serialized, .timeLimit(.minutes(2)), .natsServer, .gatewayBinary)
struct KubernetesSensorsTests {
    static let sensors = KubernetesSensorSource.resource

    /// The file sensor: fires on every `events.src.one` (written as JSON, which is YAML).
    static let witness = JSONCodec.encodeToString(sensor("witness", accepted: nil, labels: [:]))

    /// A Sensor that submits an Argo workflow (to the outbox) whose parameter is the event's `body.name`, for events
    /// on `events.src.one` whose `body.accepted` is `accepted` (every event when `nil`).
    static func sensor(
        _ name: String, accepted: Bool?, namespace: String = "ml", labels: EventMap = ["team": "ml"]
    ) -> EventValue {
        let workflow: EventValue = [
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": ["generateName": "k8s-"],
            "spec": [
                "workflowTemplateRef": ["name": "notify"],
                "arguments": ["parameters": [["name": "name", "value": "placeholder"]]],
            ],
        ]
        var dependency: EventMap = ["name": "one", "eventSourceName": "src", "eventName": "one"]
        if let accepted {
            dependency["filters"] = [
                "data": [["path": "body.accepted", "type": "bool", "value": [.string(accepted ? "true" : "false")]]]
            ]
        }
        let trigger: EventValue = [
            "template": [
                "name": "notify",
                "argoWorkflow": [
                    "operation": "submit", "source": ["resource": workflow],
                    "parameters": [
                        [
                            "src": ["dependencyName": "one", "dataKey": "body.name"],
                            "dest": "spec.arguments.parameters.0.value",
                        ]
                    ],
                ],
            ]
        ]
        return [
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Sensor",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .map(labels)],
            "spec": ["dependencies": [.map(dependency)], "triggers": [trigger]],
        ]
    }

    /// A nats-server, the stand-in, a client of it, and a gateway reading the `ml` Sensors labelled `team=ml`.
    static func withGateway(
        _ body: (NATSServerProcess, KubernetesStandIn, KubernetesClient, GatewayProcess) async throws -> Void
    ) async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let standIn = try KubernetesStandIn()
        let client = try KubernetesClient(
            connection: KubernetesConnection(origin: .explicit, server: standIn.base, namespace: "ml"))
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: ["witness.yaml": witness], kubernetes: "server: \(standIn.base)",
            kubernetesSensors: #"namespaces: [ml], selector: "team=ml""#)
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        do {
            try await gateway.waitUntilReady()
            try await body(server, standIn, client, gateway)
            gateway.send(SIGTERM)
            #expect(try await gateway.waitForExit() == 0)
        } catch {
            await client.shutdown()
            await standIn.stop()
            throw error
        }
        await client.shutdown()
        await standIn.stop()
    }

    /// The stored Sensor `name` of namespace `ml`.
    static func stored(_ standIn: KubernetesStandIn, _ name: String) async throws -> EventValue? {
        try await standIn.objects("sensors", group: "argoproj.io", namespace: "ml").first {
            $0["metadata"]?["name"]?.stringValue == name
        }
    }

    /// The `Deployed` condition of a stored Sensor, and its `status.observedGeneration`.
    static func deployed(_ object: EventValue?) -> (condition: EventValue, observedGeneration: Int64)? {
        guard let status = object?["status"],
            let condition = status["conditions"]?.arrayValue?.first(where: { $0["type"] == "Deployed" }),
            case .int(let generation)? = status["observedGeneration"]
        else { return nil }
        return (condition, generation)
    }

    /// Waits until the Sensor `name` says `Deployed: status` for `generation`.
    static func waitForDeployed(
        _ gateway: GatewayProcess, _ standIn: KubernetesStandIn, _ name: String, status: String = "True",
        generation: Int64 = 1
    ) async throws {
        try await gateway.eventually("Sensor \(name) to say Deployed \(status) for generation \(generation)") {
            guard let (condition, observed) = deployed(try? await stored(standIn, name)) else { return false }
            return condition["status"]?.stringValue == status && observed == generation
        }
    }

    /// The workflow parameters (event names) of the outbox records of `sensor`, sorted.
    static func fired(_ gateway: GatewayProcess, _ sensor: String) -> [String] {
        gateway.workspace.outboxRecords().values.filter { $0["sensor"] as? String == sensor }
            .compactMap(GatewayEndToEndTests.workflowParameter).sorted()
    }

    /// `sensor` with its filter taking `accepted` instead.
    static func refiltered(_ object: EventValue, accepted: Bool) throws -> EventValue {
        let name = try #require(object["metadata"]?["name"]?.stringValue)
        guard case .map(var map) = object else { throw HarnessFailure(description: "not an object") }
        map["spec"] = sensor(name, accepted: accepted)["spec"]
        return .map(map)
    }

    /// A Sensor applied with `kubectl` runs and says so in its status; an update (a new filter) replaces it; a
    /// delete stops it.
    @Test func appliedUpdatedDeleted() async throws {
        try await Self.withGateway { server, standIn, client, gateway in
            _ = try await client.create(Self.sensors, namespace: "ml", object: Self.sensor("alpha", accepted: true))
            try await Self.waitForDeployed(gateway, standIn, "alpha")
            let condition = try #require(Self.deployed(try await Self.stored(standIn, "alpha"))?.condition)
            #expect(condition["reason"] == "Running")
            #expect(condition["message"] == "running on sensor-gateway")
            #expect(condition["lastTransitionTime"]?.stringValue?.hasSuffix("Z") == true)
            let status = try #require(await gateway.get("/status")?.body)
            #expect(status.contains(#""name":"alpha""#) && status.contains("kubernetes:ml/alpha"), "\(status)")
            try await gateway.waitUntilReady()

            try PythonPublisher.publish(server: server.url, [GatewayEndToEndTests.oneEvent("e1", name: "one")])
            try await gateway.eventually("alpha and the witness to fire") {
                Self.fired(gateway, "alpha") == ["one"] && Self.fired(gateway, "witness") == ["one"]
            }

            let current = try #require(try await Self.stored(standIn, "alpha"))
            _ = try await client.update(
                Self.sensors, namespace: "ml", object: try Self.refiltered(current, accepted: false))
            try await Self.waitForDeployed(gateway, standIn, "alpha", generation: 2)
            try PythonPublisher.publish(
                server: server.url,
                [
                    GatewayEndToEndTests.oneEvent("e2", accepted: true, name: "two"),
                    GatewayEndToEndTests.oneEvent("e3", accepted: false, name: "three"),
                ])
            try await gateway.eventually("the new filter to pass three, and the witness to see both") {
                Self.fired(gateway, "alpha") == ["one", "three"]
                    && Self.fired(gateway, "witness") == ["one", "three", "two"]
            }
            #expect(
                await gateway.metric(
                    #"sensor_gateway_events_filtered_total{sensor="alpha",dependency="one",reason="filter"}"#) == 1)

            try await client.delete(Self.sensors, namespace: "ml", name: "alpha")
            try await gateway.eventually("alpha to be gone from /status") {
                await gateway.get("/status")?.body.contains(#""name":"alpha""#) == false
            }
            try PythonPublisher.publish(
                server: server.url, [GatewayEndToEndTests.oneEvent("e4", accepted: false, name: "four")])
            try await gateway.eventually("the witness to see four") { Self.fired(gateway, "witness").contains("four") }
            #expect(Self.fired(gateway, "alpha") == ["one", "three"])
        }
    }

    /// An invalid Sensor says `Deployed: False` with its findings, is counted and listed as rejected, and the valid
    /// one beside it runs; Sensors outside the namespace or the selector are left alone.
    @Test func invalidRejectedValidRun() async throws {
        try await Self.withGateway { server, standIn, client, gateway in
            guard case .map(var broken) = Self.sensor("broken", accepted: true) else { return }
            broken["spec"] = [
                "dependencies": [["name": "one", "eventName": "one"]],
                "triggers": [["template": ["name": "t", "log": [:]]]],
            ]
            _ = try await client.create(Self.sensors, namespace: "ml", object: .map(broken))
            _ = try await client.create(Self.sensors, namespace: "ml", object: Self.sensor("alpha", accepted: true))
            _ = try await client.create(
                Self.sensors, namespace: "ml", object: Self.sensor("stranger", accepted: true, labels: ["team": "web"]))
            _ = try await client.create(
                Self.sensors, namespace: "other", object: Self.sensor("elsewhere", accepted: true, namespace: "other"))

            try await Self.waitForDeployed(gateway, standIn, "broken", status: "False")
            try await Self.waitForDeployed(gateway, standIn, "alpha")
            let condition = try #require(Self.deployed(try await Self.stored(standIn, "broken"))?.condition)
            #expect(condition["reason"] == "Invalid")
            #expect(condition["message"] == "spec.dependencies[0].eventSourceName is required")
            #expect(await gateway.metric("sensor_gateway_sensors_rejected") == 1)
            let status = try #require(await gateway.get("/status")?.body)
            #expect(status.contains("kubernetes:ml/broken"), "\(status)")
            #expect(!status.contains("stranger") && !status.contains("elsewhere"), "\(status)")
            #expect(try await Self.stored(standIn, "stranger")?["status"] == nil)
            let elsewhere = try await standIn.objects("sensors", group: "argoproj.io", namespace: "other")
            #expect(elsewhere.count == 1 && elsewhere.first?["status"] == nil)

            try await gateway.waitUntilReady()
            try PythonPublisher.publish(server: server.url, [GatewayEndToEndTests.oneEvent("e1", name: "one")])
            try await gateway.eventually("alpha to fire") { Self.fired(gateway, "alpha") == ["one"] }
        }
    }

    /// A broken watch resumes from the last version seen; when the server no longer keeps it (410), the gateway
    /// lists again: a change and a delete made while it could not watch, and no longer in the server's history,
    /// are picked up.
    @Test func expiredWatchListsAgain() async throws {
        try await Self.withGateway { server, standIn, client, gateway in
            _ = try await client.create(Self.sensors, namespace: "ml", object: Self.sensor("alpha", accepted: true))
            _ = try await client.create(Self.sensors, namespace: "ml", object: Self.sensor("beta", accepted: true))
            try await Self.waitForDeployed(gateway, standIn, "alpha")
            try await Self.waitForDeployed(gateway, standIn, "beta")

            let collection = Self.sensors.path(namespace: "ml")
            // The watch cannot resume until the history it would resume from is gone.
            try await standIn.fault(collection, status: 500, count: 1_000, method: "GET")
            try await standIn.endWatches()
            try await gateway.eventually("the watch to be refused on resuming") {
                (try? await standIn.log())?.contains { $0.path == collection && $0.status == 500 } == true
            }
            let current = try #require(try await Self.stored(standIn, "alpha"))
            _ = try await client.update(
                Self.sensors, namespace: "ml", object: try Self.refiltered(current, accepted: false))
            try await client.delete(Self.sensors, namespace: "ml", name: "beta")
            try await standIn.compact()
            try await standIn.clearFaults()

            try await Self.waitForDeployed(gateway, standIn, "alpha", generation: 2)
            try await gateway.eventually("beta to be gone from /status") {
                await gateway.get("/status")?.body.contains(#""name":"beta""#) == false
            }
            #expect(gateway.logText.contains("listing again"))
            try await gateway.waitUntilReady()
            try PythonPublisher.publish(
                server: server.url, [GatewayEndToEndTests.oneEvent("e1", accepted: false, name: "one")])
            try await gateway.eventually("alpha's new filter to pass") { Self.fired(gateway, "alpha") == ["one"] }
        }
    }
}
