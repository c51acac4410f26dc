public import ConfigReader
public import EventModel
import SensorLanguage
public import SensorModel

/// Where the routing matrix sent one event: the route, its engine, the resolved target, and why each route tried
/// before it did not match.
public struct RouteDecision: Sendable, Hashable {
    /// What became of the event.
    public enum Outcome: Sendable, Hashable {
        /// A route (or the default) took it; the target is resolved.
        case routed(RouteTarget)
        /// No route matched and there is no default: the event goes to the DLQ with ``RouteDecision/rejected``.
        case unmatched
        /// A route matched but one of its parameters could not be resolved: the event goes to the DLQ.
        case unresolved(RouteParameterError)
    }

    /// The event's id.
    public var eventID: String
    /// The route that took the event (`nil` when no route matched and there is no default).
    public var route: String?
    /// The route's engine.
    public var engine: RoutingEngine?
    /// Whether the route is `spec.default`.
    public var isDefault: Bool
    /// What became of the event.
    public var outcome: Outcome
    /// Each route tried before the chosen one (every route when none matched), with its reasons.
    public var rejected: [RouteRejection]

    /// The resolved target, when the event was routed.
    public var target: RouteTarget? {
        if case .routed(let target) = outcome { return target }
        return nil
    }

    /// Why the event cannot be routed, as the DLQ records it; `nil` when it was routed.
    public var failureReason: String? {
        switch outcome {
        case .routed: nil
        case .unmatched: "no route matched: " + rejected.map(\.description).joined(separator: " | ")
        case .unresolved(let error): error.description
        }
    }
}

/// A route that did not take an event, and why.
public struct RouteRejection: Sendable, Hashable, CustomStringConvertible {
    /// The route's name.
    public var route: String
    /// Each part of the match that failed (`type 'x' does not match com.acme.*`, a filter with what it saw).
    public var reasons: [String]

    /// `route: reason; reason`.
    public var description: String { "\(route): \(reasons.joined(separator: "; "))" }
}

/// A route parameter that could not be resolved from the event.
public struct RouteParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The route.
    public var route: String
    /// The parameter's name.
    public var parameter: String
    /// Where the parameter is declared in the routing file.
    public var location: SourceLocation
    /// What went wrong.
    public var reason: String

    /// `file:line:col: route 'r' parameter 'p': reason`.
    public var description: String { "\(location): route '\(route)' parameter '\(parameter)': \(reason)" }
}

/// A route's target with every parameter resolved from the event.
public enum RouteTarget: Sendable, Hashable {
    /// A Kubeflow Pipelines run.
    case kubeflow(KubeflowRunTarget)
    /// An Argo Workflow submitted from a template.
    case argo(ArgoSubmissionTarget)
    /// An Argo Workflow submitted from the orchestrating template; ``ArgoSubmissionTarget/parameters`` already
    /// carry the Kubeflow run for its `kfp-trigger` step (see ``HybridParameters``), and the run is also given
    /// as a value.
    case hybrid(ArgoSubmissionTarget, KubeflowRunTarget)
}

/// A Kubeflow Pipelines run to create: references by name, and runtime parameters with their JSON types.
public struct KubeflowRunTarget: Sendable, Hashable {
    /// The pipeline's name.
    public var pipeline: String
    /// The version's name; `nil` means the latest.
    public var version: String?
    /// The experiment's name; `nil` means the server's default.
    public var experiment: String?
    /// Runtime parameters in declaration order (`runtime_config.parameters`).
    public var parameters: EventMap

    /// Creates a run.
    public init(pipeline: String, version: String?, experiment: String?, parameters: EventMap) {
        self.pipeline = pipeline
        self.version = version
        self.experiment = experiment
        self.parameters = parameters
    }
}

/// An Argo Workflow to submit from a template.
public struct ArgoSubmissionTarget: Sendable, Hashable {
    /// One workflow argument.
    public struct Parameter: Sendable, Hashable {
        /// The argument's name.
        public var name: String
        /// Its value.
        public var value: String

        /// Creates an argument.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// `WorkflowTemplate` or `ClusterWorkflowTemplate`.
    public var templateKind: WorkflowTemplateKind
    /// The template's name.
    public var templateName: String
    /// The namespace; `nil` means the gateway's `argo.namespace`.
    public var namespace: String?
    /// Workflow arguments in order (`submitOptions.parameters` as `name=value`).
    public var parameters: [Parameter]

    /// Creates a submission.
    public init(
        templateKind: WorkflowTemplateKind, templateName: String, namespace: String?, parameters: [Parameter]
    ) {
        self.templateKind = templateKind
        self.templateName = templateName
        self.namespace = namespace
        self.parameters = parameters
    }
}

extension RoutingMatrix {
    /// Sends one event through the matrix: the first route whose match accepts it wins.
    /// - Parameter event: the event.
    /// - Returns: the decision; never drops the event (no match is ``RouteDecision/Outcome/unmatched``).
    public func route(_ event: Event) -> RouteDecision {
        var rejected: [RouteRejection] = []
        for route in routes {
            let reasons = route.match.map { $0.rejections(of: event) } ?? []
            if reasons.isEmpty {
                return decide(route, event: event, rejected: rejected, isDefault: false)
            }
            rejected.append(RouteRejection(route: route.name, reasons: reasons))
        }
        if let defaultRoute {
            return decide(defaultRoute, event: event, rejected: rejected, isDefault: true)
        }
        return RouteDecision(
            eventID: event.id, route: nil, engine: nil, isDefault: false, outcome: .unmatched, rejected: rejected)
    }

    /// Sends each event through the matrix on its own, in the order of the dependency names (what a sensor's
    /// `route` trigger does with the events it fired with).
    /// - Parameter events: the events, by dependency name.
    public func route(events: [String: Event]) -> [RouteDecision] {
        events.sorted { $0.key < $1.key }.map { route($0.value) }
    }

    private func decide(_ route: Route, event: Event, rejected: [RouteRejection], isDefault: Bool) -> RouteDecision {
        let outcome: RouteDecision.Outcome
        do {
            outcome = .routed(try route.target.resolve(for: event, route: route.name))
        } catch {
            outcome = .unresolved(error)
        }
        return RouteDecision(
            eventID: event.id, route: route.name, engine: route.engine, isDefault: isDefault, outcome: outcome,
            rejected: rejected)
    }
}

extension RouteMatch {
    /// Why this match does not accept `event`; empty when it does. The type is checked first: when it does not
    /// match, the filters are not evaluated.
    package func rejections(of event: Event) -> [String] {
        if !types.isEmpty && !types.contains(where: { $0.matches(event.type) }) {
            let globs = types.map(\.source).joined(separator: ", ")
            return ["type '\(event.type)' does not match \(globs)"]
        }
        var reasons: [String] = []
        if let filters {
            let verdict = filters.evaluate(event, operation: filtersLogicalOperator)
            if !verdict.passed {
                let failed = verdict.checks.filter { !$0.passed || $0.error != nil }
                for check in failed {
                    let observed = check.observed.map { " (saw \(JSONText.render($0)))" } ?? ""
                    let verdictText = check.error.map { "error: \($0)" } ?? "failed"
                    reasons.append("\(check.kind) \(check.filter): \(verdictText)\(observed)")
                }
                if failed.isEmpty {
                    reasons += verdict.errors.isEmpty ? ["filters did not pass"] : verdict.errors
                }
            }
        }
        return reasons
    }
}

extension RouteTargetSpec {
    package func resolve(for event: Event, route: String) throws(RouteParameterError) -> RouteTarget {
        switch self {
        case .kubeflow(let spec):
            return .kubeflow(try spec.resolve(for: event, route: route))
        case .argo(let spec):
            return .argo(try spec.resolve(for: event, route: route))
        case .hybrid(let argoSpec, let kubeflowSpec):
            var submission = try argoSpec.resolve(for: event, route: route)
            let run = try kubeflowSpec.resolve(for: event, route: route)
            let added: [(String, String)] = [
                (HybridParameters.eventID, event.id), (HybridParameters.pipeline, run.pipeline),
                (HybridParameters.version, run.version ?? ""), (HybridParameters.experiment, run.experiment ?? ""),
                (HybridParameters.parameters, JSONText.render(.map(run.parameters))),
            ]
            submission.parameters += added.map { ArgoSubmissionTarget.Parameter(name: $0.0, value: $0.1) }
            return .hybrid(submission, run)
        }
    }
}

extension KubeflowTargetSpec {
    package func resolve(for event: Event, route: String) throws(RouteParameterError) -> KubeflowRunTarget {
        var parameters = EventMap()
        for parameter in self.parameters {
            if let value = try parameter.resolve(for: event, route: route) {
                parameters[parameter.name] = value.eventValue
            }
        }
        return KubeflowRunTarget(pipeline: pipeline, version: version, experiment: experiment, parameters: parameters)
    }
}

extension ArgoTargetSpec {
    package func resolve(for event: Event, route: String) throws(RouteParameterError) -> ArgoSubmissionTarget {
        var resolved: [ArgoSubmissionTarget.Parameter] = []
        for parameter in parameters {
            if let value = try parameter.resolve(for: event, route: route) {
                resolved.append(ArgoSubmissionTarget.Parameter(name: parameter.name, value: value.text))
            }
        }
        return ArgoSubmissionTarget(
            templateKind: templateKind, templateName: templateName, namespace: namespace, parameters: resolved)
    }
}

extension RouteParameter {
    package func resolve(for event: Event, route: String) throws(RouteParameterError) -> ParameterValue? {
        do {
            return try parameter.resolve(events: [Self.eventKey: event])
        } catch {
            let source = parameter.source
            let tried = [
                source.dataTemplate.map { "dataTemplate \($0.source)" }, source.dataKey.map { "dataKey \($0.text)" },
                source.contextTemplate.map { "contextTemplate \($0.source)" },
                source.contextKey.map { "contextKey \($0.text)" },
            ].compactMap { $0 }
            let reason = "the event has nothing at \(tried.joined(separator: ", ")), and src sets no value"
            throw RouteParameterError(route: route, parameter: name, location: location, reason: reason)
        }
    }
}
