import ConfigReader
import EventModel
import HTTPTransport
import SensorEngine
import SensorLanguage
import SensorModel
import Testing
import Triggers

/// Names, request bodies, classification inputs: pure, no server.
struct RequestBuilderTests {
    @Test func namesAreDeterministicDNSLabels() {
        let first = FiringIdentity(
            sensor: "Orders_Sensor", trigger: "submit.WF", keys: ["dep": .init(source: "src", id: "e-1")])
        let again = FiringIdentity(
            sensor: "Orders_Sensor", trigger: "submit.WF", keys: ["dep": .init(source: "src", id: "e-1")])
        let other = FiringIdentity(
            sensor: "Orders_Sensor", trigger: "submit.WF", keys: ["dep": .init(source: "src", id: "e-2")])
        #expect(first.name() == again.name())
        #expect(first.name() != other.name())
        #expect(first.name().hasPrefix("orders-sensor-submit-wf-"))
        let long = FiringIdentity(
            sensor: String(repeating: "s", count: 200), trigger: "t", keys: ["a": .init(source: "src", id: "1")])
        for name in [first.name(), long.name(), long.name(prefix: "Hello World-"), first.name(prefix: "---")] {
            #expect(name.count <= 63, "\(name)")
            #expect(name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(name)")
            #expect(name.first?.isLetter == true || name.first?.isNumber == true, "\(name)")
            #expect(name.last != "-", "\(name)")
        }
        #expect(first.name(prefix: "---").hasPrefix("sg-"))
    }

    @Test func dependencyOrderDoesNotChangeTheName() {
        let a = FiringIdentity(
            sensor: "s", trigger: "t", keys: ["a": .init(source: "x", id: "1"), "b": .init(source: "y", id: "2")])
        let b = FiringIdentity(
            sensor: "s", trigger: "t", keys: ["b": .init(source: "y", id: "2"), "a": .init(source: "x", id: "1")])
        #expect(a.id == b.id)
        #expect(a.id.count == 20)
    }

    /// The id is SHA-256 over the length-prefixed fields, cut to 20 hex digits; the event's source is part of it
    /// (CloudEvents make source and id unique together), and no field can run into the next.
    @Test func idIsTheDigestOfSensorTriggerAndEvents() {
        let identity = FiringIdentity(
            sensor: "orders", trigger: "submit", keys: ["dep": .init(source: "src", id: "3f9c2a")])
        #expect(identity.id == "55f207af39a508015ddd")
        let otherSource = FiringIdentity(
            sensor: "orders", trigger: "submit", keys: ["dep": .init(source: "shop", id: "3f9c2a")])
        #expect(otherSource.id != identity.id)
        let shifted = FiringIdentity(
            sensor: "order", trigger: "ssubmit", keys: ["dep": .init(source: "src", id: "3f9c2a")])
        #expect(shifted.id != identity.id)
        #expect(identity.name().hasSuffix("-" + identity.id))
    }

    @Test func labelsCarryTheFiring() {
        let identity = FiringIdentity(
            sensor: "orders", trigger: "submit", keys: ["dep": .init(source: "src", id: "3f9c2a")])
        let labels = Dictionary(uniqueKeysWithValues: identity.labels.map { ($0.key, $0.value) })
        #expect(labels["events.argoproj.io/sensor"] == "orders")
        #expect(labels[FiringIdentity.firingLabel] == identity.id)
        #expect(labels[FiringIdentity.eventIDLabel] == "3f9c2a")
        let odd = FiringIdentity(
            sensor: "orders", trigger: "my trigger", keys: ["dep": .init(source: "src", id: "urn:uuid:1/2")])
        let oddLabels = Dictionary(uniqueKeysWithValues: odd.labels.map { ($0.key, $0.value) })
        #expect(oddLabels["events.argoproj.io/trigger"] == nil)
        #expect(oddLabels[FiringIdentity.eventIDLabel] == nil)
    }

    @Test func submitRequestUsesArgoStringFormats() throws {
        let request = try ArgoRequests.submit(
            namespace: "argo", kind: .clusterWorkflowTemplate, template: "cwft",
            options: .init(
                name: "evt-1", labels: ["team": "ml", "a": "b"], parameters: [("message", "a=b")],
                serviceAccount: "runner"))
        #expect(request.method == "POST")
        #expect(request.path == "/api/v1/workflows/argo/submit")
        let options = request.body?["submitOptions"]
        #expect(options?["labels"] == "a=b,team=ml")
        #expect(options?["parameters"] == ["message=a=b"])
        #expect(options?["serviceAccount"] == "runner")
        #expect(request.body?["resourceKind"] == "ClusterWorkflowTemplate")
    }

    @Test func malformedSubmitOptionsAreRejectedBeforeSending() {
        #expect(throws: TriggerError.self) {
            try ArgoRequests.submit(
                namespace: "argo", kind: .workflowTemplate, template: "t",
                options: .init(name: "n", labels: ["k": "a,b"]))
        }
        #expect(throws: TriggerError.self) {
            try ArgoRequests.submit(
                namespace: "argo", kind: .workflowTemplate, template: "t",
                options: .init(name: "n", parameters: [("a=b", "c")]))
        }
    }

    @Test func lifecyclePathsEscapeNames() throws {
        let request = try ArgoRequests.lifecycle(.stop, namespace: "argo", name: "wf 1")
        #expect(request.method == "PUT")
        #expect(request.path == "/api/v1/workflows/argo/wf%201/stop")
        #expect(throws: TriggerError.self) { try ArgoRequests.lifecycle(.submit, namespace: "argo", name: "wf") }
    }

    @Test func kfpRunBodiesPerVersion() {
        let spec = KFPRunSpec(
            pipeline: .id("p"), runtimeParameters: ["n": 3, "flag": true, "text": "x"], serviceAccount: "runner",
            pipelineRoot: "minio://bucket")
        let v2 = KFPRequests.createRun(
            .v2beta1, displayName: "run-1", pipelineID: "p", versionID: "v", experimentID: "e", spec: spec)
        #expect(v2.path == "/apis/v2beta1/runs")
        #expect(v2.body?["pipeline_version_reference"] == ["pipeline_id": "p", "pipeline_version_id": "v"])
        #expect(v2.body?["runtime_config"]?["parameters"]?["n"] == .int(3))
        #expect(v2.body?["runtime_config"]?["parameters"]?["flag"] == .bool(true))
        #expect(v2.body?["experiment_id"] == "e")
        let v1 = KFPRequests.createRun(
            .v1beta1, displayName: "run-1", pipelineID: "p", versionID: nil, experimentID: "e", spec: spec)
        #expect(v1.path == "/apis/v1beta1/runs")
        #expect(v1.body?["name"] == "run-1")
        #expect(v1.body?["pipeline_spec"]?["pipeline_id"] == "p")
        #expect(v1.body?["resource_references"]?.arrayValue?.count == 1)
    }

    @Test func kfpFilterIsURLEncodedJSON() {
        let request = KFPRequests.findRun(.v2beta1, displayName: "a b", experimentID: "e", namespace: nil)
        #expect(request.path.hasPrefix("/apis/v2beta1/runs?experiment_id=e&"))
        #expect(request.path.contains("filter=%7B%22predicates%22"))
        #expect(request.path.contains("%22string_value%22%3A%22a%20b%22"))
        let v1 = KFPRequests.findExperiment(.v1beta1, name: "x", namespace: nil)
        #expect(v1.path.contains("%22op%22%3A%22EQUALS%22"))
    }

    @Test func runSpecFromASection() throws {
        let spec = try KFPRunSpec(
            section: [
                "pipelineName": "hello", "pipelineVersionName": "v2", "experimentName": "events",
                "runtimeParameters": ["n": 1], "serviceAccount": "runner",
            ])
        #expect(spec.pipeline == .name("hello"))
        #expect(spec.version == .name("v2"))
        #expect(spec.experiment == .name("events"))
        #expect(throws: TriggerError.self) { try KFPRunSpec(section: ["pipelineId": "a", "pipelineName": "b"]) }
        #expect(throws: TriggerError.self) { try KFPRunSpec(section: ["experimentName": "x"]) }
    }

    @Test func retryDelaysFollowTheStrategy() {
        let policy = RetryPolicy(attempts: 4, duration: .seconds(1), factor: 2, jitter: 0.5)
        #expect(policy.delay(afterRetry: 0, random: 0) == .seconds(1))
        #expect(policy.delay(afterRetry: 1, random: 0) == .seconds(2))
        #expect(policy.delay(afterRetry: 2, random: 1) == .seconds(6))
        #expect(RetryPolicy(nil).attempts == 1)
        let strategy = RetryStrategy(durationSeconds: 0.5, factor: 1, jitter: 0, steps: 3)
        #expect(RetryPolicy(strategy) == RetryPolicy(attempts: 3, duration: .milliseconds(500), factor: 1, jitter: 0))
    }

    @Test func rateLimitSpacesRequests() {
        let clock = ManualClock()
        let limiter = TriggerRateLimiter(clock: clock)
        let limit = RateLimit(unit: .second, requestsPerUnit: 4)
        let waits = (0..<3).map { _ in limiter.reserve("s/t", limit: limit) }
        #expect(waits == [Duration.zero, .milliseconds(250), .milliseconds(500)])
        #expect(limiter.reserve("s/other", limit: limit) == .zero)
        clock.advance(.seconds(10))
        #expect(limiter.reserve("s/t", limit: limit) == .zero)
    }

    @Test func configurationNeverShowsATokenValue() {
        let configuration = TriggerConfiguration(
            argo: .init(server: "https://argo:2746", token: .value("argo-s3cret")),
            kubeflow: .init(host: "http://kfp:8888", token: .value("kfp-s3cret")))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [
            "\(configuration)", String(reflecting: configuration), dumped, "\(configuration.argo)",
            "\(configuration.kubeflow)",
        ] {
            #expect(!text.contains("s3cret"), "\(text)")
        }
        #expect("\(configuration.argo)" == "argo via=server server=https://argo:2746 namespace=argo token=(value)")
    }

    @Test func environmentOverridesConfiguration() {
        let configuration = TriggerConfiguration().applyingEnvironment([
            "ARGO_SERVER": "argo:2746", "ARGO_SECURE": "false", "ARGO_TOKEN": "Bearer abc", "ARGO_NAMESPACE": "wf",
            "KF_PIPELINES_ENDPOINT": "kfp.example.com", "KF_PIPELINES_SA_TOKEN_PATH": "/t",
        ])
        #expect(configuration.argo.server == "http://argo:2746")
        #expect(configuration.argo.token == .value("abc"))
        #expect(configuration.argo.namespace == "wf")
        #expect(configuration.kubeflow.host == "https://kfp.example.com")
        #expect(configuration.kubeflow.token == .file("/t"))
    }
}
