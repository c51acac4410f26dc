public import ConfigReader
public import SensorLanguage

/// The routing matrix (`config/routing.yaml`, `kind: RoutingMatrix`): which engine runs which workload.
///
/// Routes are tried in order and the first whose match accepts an event wins; when none does, the optional
/// ``defaultRoute`` takes the event, and without one the outcome is an explicit no-match with the reason each
/// route gave (the daemon dead-letters it). ``route(_:)`` is pure: values in, a ``RouteDecision`` out.
public struct RoutingMatrix: Sendable {
    /// `metadata.name`, if set.
    public var name: String?
    /// Where the document starts.
    public var location: SourceLocation
    /// `spec.routes`, in order.
    public var routes: [Route]
    /// `spec.default`: the route taken when no route matches; it has no match of its own.
    public var defaultRoute: Route?
    /// `spec.pipelines`: the Kubeflow pipelines known to exist (names, with their known versions); `nil` when the
    /// file does not declare them, in which case pipeline references are not checked.
    public var pipelines: [KnownPipeline]?

    /// Creates a matrix.
    public init(
        name: String?, location: SourceLocation, routes: [Route], defaultRoute: Route?, pipelines: [KnownPipeline]?
    ) {
        self.name = name
        self.location = location
        self.routes = routes
        self.defaultRoute = defaultRoute
        self.pipelines = pipelines
    }
}

/// A pipeline declared under `spec.pipelines`: its name and the version names known for it.
public struct KnownPipeline: Sendable, Hashable {
    /// The pipeline's name (its display name in Kubeflow Pipelines).
    public var name: String
    /// Its known version names (empty: any version is accepted).
    public var versions: [String]

    /// Creates a declaration.
    public init(name: String, versions: [String]) {
        self.name = name
        self.versions = versions
    }
}

/// The engine a route sends work to.
public enum RoutingEngine: String, Sendable, Hashable, CaseIterable {
    /// A Kubeflow Pipelines run (v2beta1).
    case kubeflow
    /// An Argo Workflow submitted from a WorkflowTemplate or ClusterWorkflowTemplate.
    case argo
    /// An Argo Workflow that orchestrates and starts a Kubeflow Pipelines run from its `kfp-trigger` step.
    case hybrid
}

/// One `spec.routes[]` entry (or `spec.default`).
public struct Route: Sendable {
    /// `name`: the use case, e.g. `ml-training`.
    public var name: String
    /// `description`, if any.
    public var summary: String?
    /// `match`; `nil` for `spec.default`.
    public var match: RouteMatch?
    /// `engine`.
    public var engine: RoutingEngine {
        switch target {
        case .kubeflow: .kubeflow
        case .argo: .argo
        case .hybrid: .hybrid
        }
    }
    /// Where work goes.
    public var target: RouteTargetSpec
    /// Where the entry starts.
    public var location: SourceLocation
}

/// `match` of a route: every part that is set must accept the event.
public struct RouteMatch: Sendable {
    /// `type`: globs over the CloudEvent `type`, any of which may match; empty when absent.
    public var types: [TypeGlob]
    /// `context`, `data`, `exprs` (with `dataLogicalOperator`, `exprLogicalOperator`), in the sensor filter
    /// language and with its semantics (an event without data passes data and expr filters, as in Argo Events).
    public var filters: DependencyFilters?
    /// `filtersLogicalOperator`: how the filter kinds combine (the `type` glob must match either way).
    public var filtersLogicalOperator: LogicalOperator

    /// Whether this match accepts every event (no filters, and no type glob or only ones such as `*`).
    public var isCatchAll: Bool {
        filters == nil && (types.isEmpty || types.contains(where: \.matchesEverything))
    }
}

/// What a route starts, as configured.
public enum RouteTargetSpec: Sendable {
    /// A Kubeflow Pipelines run.
    case kubeflow(KubeflowTargetSpec)
    /// An Argo Workflow from a template.
    case argo(ArgoTargetSpec)
    /// An orchestrating Argo Workflow whose `kfp-trigger` step starts the Kubeflow run.
    case hybrid(ArgoTargetSpec, KubeflowTargetSpec)
}

/// `kubeflow` of a route (or `hybrid.kubeflow`).
public struct KubeflowTargetSpec: Sendable {
    /// `pipeline`: the pipeline's name.
    public var pipeline: String
    /// `version`: the version's name; `nil` means the latest.
    public var version: String?
    /// `experiment`: the experiment's name; `nil` means the server's default.
    public var experiment: String?
    /// `parameters`: the run's runtime parameters, each resolved from the event.
    public var parameters: [RouteParameter]
    /// Where the section starts.
    public var location: SourceLocation
}

/// The kind of an Argo template a route submits from.
public enum WorkflowTemplateKind: String, Sendable, Hashable {
    /// A namespaced `WorkflowTemplate`.
    case workflowTemplate = "WorkflowTemplate"
    /// A `ClusterWorkflowTemplate`.
    case clusterWorkflowTemplate = "ClusterWorkflowTemplate"
}

/// `argo` of a route (or `hybrid`, for the orchestrating template).
public struct ArgoTargetSpec: Sendable {
    /// Whether `workflowTemplate` or `clusterWorkflowTemplate` was set.
    public var templateKind: WorkflowTemplateKind
    /// The template's name.
    public var templateName: String
    /// `namespace`; `nil` means the gateway's `argo.namespace`.
    public var namespace: String?
    /// `parameters`: workflow arguments, each resolved from the event as text.
    public var parameters: [RouteParameter]
    /// Where the section starts.
    public var location: SourceLocation
}

/// A parameter of a route: `name` and a `src` resolved from the event as sensor parameters are
/// (`dataKey`, `contextKey`, `dataTemplate`, `contextTemplate`, `value`, `useRawData`).
public struct RouteParameter: Sendable {
    /// `name`: the workflow argument or pipeline parameter.
    public var name: String
    /// `src`, as a sensor trigger parameter reading the routed event.
    package var parameter: TriggerParameter
    /// Where the entry starts.
    public var location: SourceLocation

    /// The dependency name the routed event is known by while parameters resolve.
    package static let eventKey = "event"
}

/// The workflow arguments a hybrid route adds for the `kfp-trigger` step of its orchestrating template.
public enum HybridParameters {
    /// The event id, used as the run's `display_name` (and to find a run created by an earlier attempt).
    public static let eventID = "event-id"
    /// The pipeline's name.
    public static let pipeline = "kfp-pipeline"
    /// The version's name (empty: the latest).
    public static let version = "kfp-pipeline-version"
    /// The experiment's name (empty: the default experiment).
    public static let experiment = "kfp-experiment"
    /// The runtime parameters as a JSON object.
    public static let parameters = "kfp-parameters"

    /// Every name, in the order they are appended.
    public static let all = [eventID, pipeline, version, experiment, parameters]
}
