import ConfigReader
import Gateway
import SensorModel
import SensorTesting
import Testing

/// Which triggers the gateway can reach: one whose engine has no endpoint and no outbox is found, at its place in
/// the sensor file, before it could fail every firing.
struct TriggerEndpointsTests {
    static let sensor = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: mixed}
        spec:
          dependencies: [{name: a, eventSourceName: x, eventName: y}]
          triggers:
            - template:
                name: train
                kubeflowPipeline: {pipelineName: p}
              atLeastOnce: true
              dlqTrigger:
                template:
                  name: report
                  argoWorkflow:
                    source: {resource: {apiVersion: argoproj.io/v1alpha1, kind: Workflow}}
                atLeastOnce: true
            - template:
                name: routed
                route: {}
            - template: {name: note, log: {}}
        """

    static func endpoints(argo: String? = nil, kubeflow: String? = nil, outbox: String? = nil, dryRun: Bool = false)
        -> TriggerEndpoints
    {
        var configuration = GatewayConfiguration(file: "gateway.yaml")
        configuration.argo.server = argo
        configuration.kubeflow.host = kubeflow
        configuration.outbox = outbox
        return TriggerEndpoints(configuration, kubernetes: false, dryRun: dryRun)
    }

    /// Each unreachable trigger, its `dlqTrigger` and the engines of the routes a `route` trigger may take are
    /// named; `log` needs nothing.
    @Test func namesEachUnreachableTrigger() throws {
        let (loaded, findings) = loadSensor(Self.sensor)
        let sensor = try #require(loaded, "\(findings)")
        let routing = try ShippedRouting.shippedMatrix()
        let none = Self.endpoints().findings(for: sensor, routing: routing).map(\.description)
        #expect(
            none == [
                "test.yaml:7:7: error: trigger 'train' (kubeflowPipeline) needs kubeflow.host in gateway.yaml, or an outbox; neither is set",
                "test.yaml:12:9: error: trigger 'report' (argoWorkflow) needs argo.server in gateway.yaml, or an outbox; neither is set",
                "test.yaml:17:7: error: trigger 'routed' (route) needs argo.server in gateway.yaml, or an outbox; neither is set",
                "test.yaml:17:7: error: trigger 'routed' (route) needs kubeflow.host in gateway.yaml, or an outbox; neither is set",
            ])
        let argoOnly = Self.endpoints(argo: "https://argo:2746").findings(for: sensor, routing: routing)
        #expect(argoOnly.map(\.yamlPath) == ["spec.triggers[0]", "spec.triggers[1]"])
        #expect(Self.endpoints(argo: "https://a", kubeflow: "http://k").findings(for: sensor, routing: routing).isEmpty)
        #expect(Self.endpoints(outbox: "/tmp/outbox").findings(for: sensor, routing: routing).isEmpty)
        #expect(Self.endpoints(dryRun: true).findings(for: sensor, routing: routing).isEmpty)
    }

    /// A reload rejects an unreachable sensor (the others run); at start it is an error.
    @Test func rejectedOnReloadRefusedAtStart() throws {
        let (loaded, _) = loadSensor(Self.sensor)
        let sensor = try #require(loaded)
        let (logOnly, _) = loadSensor(
            """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: quiet}
            spec:
              dependencies: [{name: a, eventSourceName: x, eventName: y}]
              triggers: [{template: {name: note, log: {}}}]
            """)
        let quiet = try #require(logOnly)
        let set = SensorSet(sensors: [sensor, quiet], files: ["test.yaml"], subjectPrefix: "events")
        let endpoints = Self.endpoints(argo: "https://argo:2746")
        let reloaded = set.rejectingUnreachable(endpoints, routing: nil)
        #expect(reloaded.sensors.map(\.name) == ["quiet"])
        #expect(reloaded.rejected.map(\.name) == ["mixed"])
        #expect(reloaded.rejected.first?.findings.count == 1)
        #expect(throws: UnreachableTriggers.self) { try set.requireReachable(endpoints, routing: nil) }
        #expect(throws: Never.self) { try set.requireReachable(Self.endpoints(outbox: "o"), routing: nil) }
    }
}
