import ConfigReader
import EventModel
import Foundation
import LocalFiles
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import Testing
import Triggers

/// The shipped matrix (`config/routing.yaml`) with the shipped sample events (`specs/events/<use case>.json`): each
/// event reaches its engine as a request the upstream specs accept, and a redelivery starts nothing new.
@Suite(.serialized)
struct ShippedRoutingTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let useCases = [
        "ml-training", "model-evaluation", "document-ingestion", "batch-inference", "complex-dag",
        "hybrid-ml-training",
    ]

    static func event(_ useCase: String) throws -> Event {
        let path = repository + "/specs/events/\(useCase).json"
        guard let data = FileManager.default.contents(atPath: path) else { throw TestError("cannot read \(path)") }
        return try CloudEventCodec.decode(payload: Array(data))
    }

    @Test("every sample event through the shipped matrix to a valid request, once", arguments: useCases)
    func sampleEvent(useCase: String) async throws {
        let matrix = try SensorFiles.loadRouting(file: Self.repository + "/config/routing.yaml").matrix
        let event = try Self.event(useCase)
        let decision = matrix.route(event)
        #expect(decision.route == useCase)
        let target = try #require(decision.target, "\(useCase): \(decision.failureReason ?? "no target")")
        let identity = FiringIdentity(sensor: "samples", trigger: "route", events: ["sample": event])

        try await withStandIn({ base in
            TriggerConfiguration(argo: .init(server: base), kubeflow: .init(host: base), clock: ManualClock())
        }) { executor, server in
            var templates: [(namespace: String, kind: String, name: String)] = []
            var pipelines: [(name: String, versions: [String])] = []
            switch target {
            case .argo(let submission), .hybrid(let submission, _):
                templates.append(
                    (submission.namespace ?? "argo", submission.templateKind.rawValue, submission.templateName))
            case .kubeflow(let run):
                pipelines.append((run.pipeline, run.version.map { [$0] } ?? []))
            }
            try await server.seed(templates: templates, pipelines: pipelines)

            #expect(await executor.execute(target, identity: identity).label == "succeeded")
            #expect(await executor.execute(target, identity: identity).label == "already_done")

            let log = try await server.log()
            switch target {
            case .argo(let submission), .hybrid(let submission, _):
                let submits = log.filter { $0.method == "POST" && $0.path.hasSuffix("/submit") }
                let submit = try #require(submits.first)
                #expect(submit.body?["resourceName"] == .string(submission.templateName))
                #expect(
                    submit.body?["submitOptions"]?["name"] == .string(identity.name(prefix: submission.templateName)))
                #expect(
                    submit.body?["submitOptions"]?["parameters"]
                        == .array(submission.parameters.map { .string("\($0.name)=\($0.value)") }))
                if case .hybrid(_, let run) = target {
                    // The orchestrating workflow carries the run its kfp-trigger step creates.
                    let parameters = submission.parameters
                    #expect(parameters.contains { $0.name == "kfp-pipeline" && $0.value == run.pipeline })
                    #expect(parameters.contains { $0.name == "event-id" && $0.value == event.id })
                }
            case .kubeflow(let run):
                let creates = log.filter { $0.method == "POST" && $0.path == "/apis/v2beta1/runs" }
                #expect(creates.count == 1, "one run for an event delivered twice")
                let create = try #require(creates.first)
                #expect(create.body?["display_name"] == .string(RouteRequests.runDisplayName(run, identity: identity)))
                #expect(create.body?["runtime_config"]?["parameters"] == .map(run.parameters))
                #expect(create.body?["pipeline_version_reference"]?["pipeline_id"] == .string("p-\(run.pipeline)"))
            }
        }
    }
}
