import EventModel
import Foundation
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The routing matrix: the shipped `config/routing.yaml` with one sample event per use case, first-match order,
/// no-match outcomes, hybrid decisions, and the findings `validate` reports.
struct RoutingTests {
    @Test(arguments: ShippedRouting.table)
    func sampleEventTakesItsRow(useCase: String, engine: RoutingEngine, target: RouteTarget) throws {
        let decision = try ShippedRouting.shippedMatrix().route(ShippedRouting.sampleEvent(useCase))
        #expect(decision.route == useCase)
        #expect(decision.engine == engine)
        #expect(!decision.isDefault)
        #expect(decision.target == target)
        let order = ["hybrid-ml-training", "ml-training", "model-evaluation", "document-ingestion", "batch-inference"]
        #expect(decision.rejected.map(\.route) == Array(order.prefix { $0 != useCase }))
        #expect(decision.rejected.allSatisfy { !$0.reasons.isEmpty })
    }

    @Test func everyUseCaseHasASampleEvent() throws {
        let matrix = try ShippedRouting.shippedMatrix()
        #expect(matrix.routes.map(\.name).sorted() == ShippedRouting.table.map(\.useCase).sorted())
        #expect(matrix.defaultRoute == nil)
    }

    /// An event no route takes is an explicit outcome with a reason per route, never a drop.
    @Test func unmatchedEventHasAReasonPerRoute() throws {
        var event = try ShippedRouting.sampleEvent("ml-training")
        event.type = "com.acme.billing.invoice.created"
        let decision = try ShippedRouting.shippedMatrix().route(event)
        #expect(decision.outcome == .unmatched)
        #expect(decision.route == nil && decision.engine == nil && decision.target == nil)
        #expect(decision.rejected.count == 6)
        #expect(
            decision.failureReason?.hasPrefix(
                "no route matched: hybrid-ml-training: type 'com.acme.billing.invoice.created' does not match com.acme.ml.training.requested | ml-training: "
            ) == true)
        #expect(
            decision.rejected.first?.description
                == "hybrid-ml-training: type 'com.acme.billing.invoice.created' does not match com.acme.ml.training.requested"
        )
        #expect(
            decision.rejected.first { $0.route == "ml-training" }?.reasons
                == ["type 'com.acme.billing.invoice.created' does not match com.acme.ml.training.*"])
    }

    /// Filter failures name the filter and what it saw.
    @Test func filterRejectionsSayWhatTheFilterSaw() throws {
        var event = try ShippedRouting.sampleEvent("document-ingestion")
        event.data = ["uri": "s3://documents/x.docx", "contentType": "application/msword"]
        let decision = try ShippedRouting.shippedMatrix().route(event)
        #expect(decision.outcome == .unmatched)
        #expect(
            decision.rejected.first { $0.route == "document-ingestion" }?.reasons
                == [#"data contentType string = [^application/pdf$, ^text/]: failed (saw "application/msword")"#])
    }

    /// The hybrid event matches the ml-training route too; the route listed first wins.
    @Test func firstMatchingRouteWins() throws {
        let matrix = try ShippedRouting.shippedMatrix()
        let hybrid = try ShippedRouting.sampleEvent("hybrid-ml-training")
        let training = try #require(matrix.routes.first { $0.name == "ml-training" })
        #expect(training.match?.rejections(of: hybrid) == [])
        #expect(matrix.route(hybrid).route == "hybrid-ml-training")

        var reordered = matrix
        reordered.routes.removeAll { $0.name == "ml-training" }
        reordered.routes.insert(training, at: 0)
        let decision = reordered.route(hybrid)
        #expect(decision.route == "ml-training")
        #expect(decision.engine == .kubeflow)
        #expect(decision.rejected.isEmpty)
    }

    /// A hybrid decision submits the orchestrating template with the KFP run for its kfp-trigger step, and the
    /// template in deploy/argo declares and forwards those parameters.
    @Test func hybridDecisionCarriesTheRunForKFPTrigger() throws {
        let decision = try ShippedRouting.shippedMatrix().route(ShippedRouting.sampleEvent("hybrid-ml-training"))
        guard case .hybrid(let submission, let run) = try #require(decision.target) else {
            Issue.record("not a hybrid target: \(String(describing: decision.target))")
            return
        }
        #expect(submission.templateName == "ml-hybrid")
        #expect(run.pipeline == "train-with-cache" && run.version == "v4" && run.experiment == "training")
        let values = Dictionary(uniqueKeysWithValues: submission.parameters.map { ($0.name, $0.value) })
        #expect(values[HybridParameters.eventID] == "4b7e2a90-hybrid-training-0001")
        let parameters = try JSONCodec.decode(Array((values[HybridParameters.parameters] ?? "").utf8))
        #expect(parameters == .map(run.parameters))

        let templates = try #require(SensorFiles.argoTemplates(directory: Repository.root + "/deploy/argo"))
        let hybrid = try #require(templates.template(kind: .workflowTemplate, name: "ml-hybrid"))
        #expect(Set(HybridParameters.all).isSubset(of: Set(hybrid.parameters.map(\.name))))
        let text = try String(contentsOfFile: Repository.root + "/deploy/argo/ml-hybrid.yaml", encoding: .utf8)
        #expect(text.contains("name: kfp-trigger\n              template: create-run"))
        for name in HybridParameters.all { #expect(text.contains("{{workflow.parameters.\(name)}}")) }
    }

    static let header = "apiVersion: sensor-gateway/v1alpha1\nkind: RoutingMatrix\nspec:\n"

    static func load(_ routes: String, templates: ArgoTemplateCatalog? = nil) -> SensorCatalog {
        SensorLoader.load(text: header + routes, file: "routing.yaml", argoTemplates: templates)
    }

    /// Without a match the default takes the event; the rejected routes are still listed.
    @Test func defaultRouteTakesWhatNoRouteMatched() throws {
        let catalog = Self.load(
            """
              routes:
                - name: docs
                  match: {type: com.acme.docs.*}
                  engine: argo
                  argo: {workflowTemplate: document-ingestion}
              default:
                name: triage
                engine: argo
                argo:
                  clusterWorkflowTemplate: triage
                  parameters:
                    - name: event-type
                      src: {contextKey: type}
            """)
        let matrix = try #require(catalog.routingMatrices.first, "\(catalog.findings)")
        let decision = matrix.route(makeEvent(type: "com.acme.other"))
        #expect(decision.route == "triage")
        #expect(decision.isDefault)
        #expect(decision.rejected.map(\.route) == ["docs"])
        #expect(
            decision.target
                == .argo(
                    ArgoSubmissionTarget(
                        templateKind: .clusterWorkflowTemplate, templateName: "triage", namespace: nil,
                        parameters: [.init(name: "event-type", value: "com.acme.other")])))
    }

    /// A parameter that cannot be resolved is an explicit outcome that names the route, parameter and location.
    @Test func unresolvedParameterIsAnOutcome() throws {
        let catalog = Self.load(
            """
              routes:
                - name: train
                  engine: kubeflow
                  kubeflow:
                    pipeline: p
                    parameters:
                      - name: dataset
                        src: {dataKey: dataset.uri}
            """)
        let matrix = try #require(catalog.routingMatrices.first, "\(catalog.findings)")
        let decision = matrix.route(makeEvent(data: ["other": 1]))
        #expect(decision.route == "train")
        #expect(decision.target == nil)
        guard case .unresolved(let error) = decision.outcome else {
            Issue.record("expected an unresolved parameter, got \(decision.outcome)")
            return
        }
        #expect(
            error.description
                == "routing.yaml:10:13: route 'train' parameter 'dataset': the event has nothing at dataKey dataset.uri, and src sets no value"
        )
        #expect(decision.failureReason == error.description)
    }

    /// Expressions and context filters, in the sensor language, combine with `or` when asked.
    @Test func expressionsAndOrMode() throws {
        let catalog = Self.load(
            """
              routes:
                - name: big-or-urgent
                  match:
                    filtersLogicalOperator: or
                    context: {source: pager}
                    exprs:
                      - expr: rows > 1000000
                        fields: [{name: rows, path: rows}]
                  engine: argo
                  argo: {workflowTemplate: t}
            """)
        let matrix = try #require(catalog.routingMatrices.first, "\(catalog.findings)")
        #expect(matrix.route(makeEvent(data: ["rows": 2_000_000], source: "etl")).route == "big-or-urgent")
        #expect(matrix.route(makeEvent(data: ["rows": 10], source: "pager")).route == "big-or-urgent")
        let neither = matrix.route(makeEvent(data: ["rows": 10], source: "etl"))
        #expect(neither.route == nil)
        #expect(
            neither.rejected.first?.reasons == [
                #"exprs rows > 1000000: failed (saw {"rows":10})"#,
                #"context source=pager: failed (saw {"source":"etl"})"#,
            ])
    }

    /// A route trigger sends each event it fired with through the matrix.
    @Test func routeEventsOneByOne() throws {
        let matrix = try ShippedRouting.shippedMatrix()
        let decisions = matrix.route(events: [
            "b-docs": try ShippedRouting.sampleEvent("document-ingestion"),
            "a-train": try ShippedRouting.sampleEvent("ml-training"),
        ])
        #expect(decisions.map(\.route) == ["ml-training", "document-ingestion"])
    }

    /// Each invalid routing file gives a finding at the line and column of the offending node.
    @Test(arguments: [
        (
            "  routes:\n    - name: r\n      match: {type: \"com.[acme\"}\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:6:21: error: spec.routes[0].match.type: invalid glob 'com.[acme': '[' is not closed by ']'"
        ),
        (
            "  routes:\n    - name: r\n      match: {type: [a.*, \"b\\\\\"]}\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:6:27: error: spec.routes[0].match.type[1]: invalid glob 'b\\': trailing '\\' escapes nothing"
        ),
        (
            "  routes:\n    - name: r\n      match:\n        data: [{path: x, type: strng, value: [a]}]\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:7:32: error: spec.routes[0].match.data[0].type 'strng' is not a JSON type (bool, number, string)"
        ),
        (
            "  routes:\n    - name: r\n      match:\n        exprs: [{expr: \"a >\", fields: [{name: a, path: a}]}]\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:7:24: error: spec.routes[0].match.exprs[0].expr: bad expression 'a >'"
        ),
        (
            "  routes:\n    - name: r\n      match: {colour: x}\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:6:15: error: not supported: spec.routes[0].match.colour"
        ),
        (
            "  routes:\n    - name: r\n      match: {tpye: x}\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:6:15: error: unknown key spec.routes[0].match.tpye (did you mean 'type'?)"
        ),
        (
            "  routes:\n    - name: r\n      engine: kubeflow\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:5:7: error: spec.routes[0].kubeflow is required for engine kubeflow"
        ),
        (
            "  routes:\n    - name: r\n      engine: spark\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:6:15: error: spec.routes[0].engine 'spark' is not one of kubeflow, argo, hybrid"
        ),
        (
            "  routes:\n    - name: r\n      engine: hybrid\n      hybrid: {workflowTemplate: ml-hybrid}\n",
            "routing.yaml:7:15: error: spec.routes[0].hybrid.kubeflow is required: the pipeline the kfp-trigger step starts"
        ),
        (
            "  routes:\n    - name: r\n      engine: argo\n      argo:\n        workflowTemplate: t\n        parameters: [{name: p, src: {dataKey: \"a..b\"}}]\n",
            "routing.yaml:9:47: error: spec.routes[0].argo.parameters[0].src.dataKey: bad path 'a..b' at character 3: empty key"
        ),
        (
            "  routes:\n    - name: all\n      engine: argo\n      argo: {workflowTemplate: t}\n    - name: docs\n      match: {type: com.acme.docs.*}\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:8:7: error: route 'docs' is shadowed: route 'all' before it (at 5:7) matches every event"
        ),
        (
            "  routes:\n    - name: all\n      match: {type: \"*\"}\n      engine: argo\n      argo: {workflowTemplate: t}\n    - name: all\n      match: {type: x}\n      engine: argo\n      argo: {workflowTemplate: t}\n",
            "routing.yaml:9:7: error: duplicate route name 'all' (first at 5:7)"
        ),
    ])
    func invalidRoutingIsLocated(routes: String, expected: String) {
        let catalog = Self.load(routes)
        #expect(catalog.routingMatrices.isEmpty)
        #expect(
            catalog.findings.contains { $0.description.hasPrefix(expected) },
            "\(catalog.findings.map(\.description))")
    }

    /// Unknown templates and pipelines are warnings (they may exist in the cluster); so are parameters the
    /// template does not declare or needs and does not get.
    @Test func unknownReferencesAreWarnings() throws {
        let templates = ArgoTemplateCatalog(
            directory: "deploy/argo",
            templates: [
                .init(
                    kind: .workflowTemplate, name: "known",
                    parameters: [.init(name: "needed", hasDefault: false), .init(name: "optional", hasDefault: true)])
            ])
        let catalog = Self.load(
            """
              pipelines: [{name: train, versions: [v1]}]
              routes:
                - name: a
                  match: {type: a}
                  engine: argo
                  argo: {workflowTemplate: missing}
                - name: b
                  match: {type: b}
                  engine: argo
                  argo:
                    workflowTemplate: known
                    parameters: [{name: extra, src: {value: x}}]
                - name: c
                  match: {type: c}
                  engine: kubeflow
                  kubeflow: {pipeline: evaluate}
                - name: d
                  engine: kubeflow
                  kubeflow: {pipeline: train, version: v2}
            """, templates: templates)
        #expect(catalog.isValid)
        #expect(catalog.routingMatrices.count == 1)
        #expect(
            catalog.findings.map(\.description) == [
                "routing.yaml:9:13: warning: route 'a': unknown WorkflowTemplate 'missing' (not in deploy/argo)",
                "routing.yaml:14:9: warning: route 'b': WorkflowTemplate 'known' declares no parameter 'extra'",
                "routing.yaml:14:9: warning: route 'b': WorkflowTemplate 'known' needs parameter 'needed', which the route does not set",
                "routing.yaml:19:17: warning: route 'c': unknown pipeline 'evaluate' (not in spec.pipelines)",
                "routing.yaml:22:17: warning: route 'd': pipeline 'train' has no version 'v2' in spec.pipelines (known: v1)",
            ])
    }

    /// The shipped matrix names only templates that deploy/argo holds, with the parameters they declare.
    @Test func shippedMatrixMatchesDeployArgo() throws {
        let templates = try #require(SensorFiles.argoTemplates(directory: Repository.root + "/deploy/argo"))
        #expect(
            templates.templates.map(\.name).sorted() == [
                "batch-inference", "document-ingestion", "etl-branching", "kfp-trigger", "ml-hybrid",
            ])
        let catalog = SensorFiles.load(paths: [Repository.root + "/config/routing.yaml"], argoTemplates: templates)
        #expect(catalog.findings.isEmpty, "\(catalog.findings.map(\.description))")
    }

    @Test(arguments: [
        ("com.acme.*", "com.acme.ml.training", true), ("com.acme.*", "org.acme.x", false),
        ("com.acme.?l", "com.acme.ml", true), ("com.acme.?l", "com.acme.mll", false),
        ("*.requested", "com.acme.training.requested", true), ("*", "", true), ("a*b*c", "aXbYbc", true),
        ("a*b*c", "aXbYb", false), ("v[0-9]", "v7", true), ("v[!0-9]", "v7", false), ("v[!0-9]", "vx", true),
        (#"lit\*"#, "lit*", true), (#"lit\*"#, "litx", false), ("exact", "exact", true), ("exact", "exactly", false),
    ])
    func typeGlobs(glob: String, type: String, matches: Bool) throws {
        #expect(try TypeGlob(glob).matches(type) == matches)
    }
}

/// The `route` trigger kind in sensors.
struct RouteTriggerTests {
    static let sensor = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: router}
        spec:
          dependencies:
            - {name: any-training, eventSourceName: ml-platform, eventName: churn-xgb}
          triggers:
            - template:
                name: to-matrix
                route: {}
        """

    @Test func routeTriggerLoadsAndExplains() throws {
        let (loaded, findings) = loadSensor(Self.sensor)
        let sensor = try #require(loaded, "\(findings)")
        let trigger = try #require(sensor.triggers.first)
        guard case .route = trigger.kind else {
            Issue.record("expected a route trigger, got \(trigger.kind.key)")
            return
        }
        let event = try ShippedRouting.sampleEvent("ml-training")
        let explanation = Explainer.explain(sensors: [sensor], events: [event], subject: nil, subjectPrefix: "events")
        let action = try #require(explanation.first?.triggers.first?.action)
        #expect(action.engine == .route)
        #expect(action.body == .json(["any-training": "9d1c6f0e-ml-training-0001"]))
        // What the trigger does with its events: the matrix routes each.
        let decisions = try ShippedRouting.shippedMatrix().route(events: ["any-training": event])
        #expect(decisions.map(\.route) == ["ml-training"])
    }

    @Test(arguments: [
        ("route: {matrix: other}", "not supported: spec.triggers[0].template.route.matrix"),
        ("route: {}\n        log: {}", "sets more than one trigger kind (log, route)"),
    ])
    func invalidRouteTriggers(kind: String, message: String) {
        let text = Self.sensor.replacingOccurrences(of: "route: {}", with: kind)
        let (sensor, findings) = loadSensor(text)
        #expect(sensor == nil)
        #expect(findings.contains { $0.message.contains(message) }, "\(findings.map(\.description))")
    }
}
