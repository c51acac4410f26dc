public import ConfigReader
public import EventModel
public import SensorLanguage

/// An Argo Events `Sensor` (`argoproj.io/v1alpha1`), decoded and checked: names cross-referenced,
/// expressions, paths and templates parsed.
public struct Sensor: Sendable {
    /// `metadata.name`.
    public var name: String
    /// `metadata.namespace`, if set.
    public var namespace: String?
    /// Where the document starts.
    public var location: SourceLocation
    /// `spec.dependencies`.
    public var dependencies: [Dependency]
    /// `spec.triggers`.
    public var triggers: [Trigger]

    /// The dependency named `name`; a `-` and a `_` are interchangeable, as in Argo Events' conditions.
    public func dependency(named name: String) -> Dependency? {
        dependencies.first { $0.name == name } ?? dependencies.first { Self.lookupKey($0.name) == Self.lookupKey(name) }
    }

    static func lookupKey(_ name: String) -> String { String(name.map { $0 == "-" ? "_" : $0 }) }
}

/// `and` or `or`, how a list of filters combines (`""` in the YAML means `and`).
public enum LogicalOperator: String, Sendable, Hashable {
    case and
    case or
}

/// One `spec.dependencies[]` entry: which events it takes and which of them pass.
public struct Dependency: Sendable {
    /// The name conditions and parameters refer to.
    public var name: String
    /// The event source: matched against the CloudEvent `source`.
    public var eventSourceName: String
    /// The event name: matched against the CloudEvent `subject`.
    public var eventName: String
    /// Our extension: the NATS subject to consume, instead of `<prefix>.<eventSourceName>.<eventName>`.
    public var subjectOverride: String?
    /// The filters, if any.
    public var filters: DependencyFilters?
    /// How the filter kinds combine.
    public var filtersLogicalOperator: LogicalOperator
    /// `transform` (jq, or a Lua script when no jq is set), compiled; applied before the filters.
    public var transform: (any EventTransformation)?
    /// Where the entry starts.
    public var location: SourceLocation

    /// The NATS subject this dependency consumes.
    /// - Parameter prefix: the configured subject prefix (`nats.subjectPrefix`).
    public func subject(prefix: String) -> String {
        subjectOverride ?? "\(prefix).\(eventSourceName).\(eventName)"
    }

    /// Whether an event is addressed to this dependency (CloudEvent `source` and `subject`, as Argo Events routes).
    public func accepts(_ event: Event) -> Bool {
        event.source == eventSourceName && event.subject == eventName
    }
}

/// `filters` of a dependency.
public struct DependencyFilters: Sendable {
    /// `exprs`, or `nil` when absent.
    public var exprs: [ExprFilter]?
    /// `data`, or `nil` when absent.
    public var data: [DataFilter]?
    /// `context`, or `nil` when absent.
    public var context: ContextFilter?
    /// `time`, or `nil` when absent.
    public var time: TimeFilter?
    /// `script` (Lua), compiled, or `nil` when absent.
    public var script: (any EventPredicate)?
    /// How `data` filters combine.
    public var dataLogicalOperator: LogicalOperator
    /// How `exprs` filters combine.
    public var exprLogicalOperator: LogicalOperator
}

/// A data filter: a value at a path compared with a list of values.
///
/// A class, immutable: every event is evaluated against every filter of its subject's dependencies, and handing a
/// struct of this many fields to the evaluator copied (retained and released) each of them per event.
public final class DataFilter: Sendable {
    /// The value type to compare as.
    public enum ValueType: String, Sendable, Hashable {
        case bool
        case number
        case string
    }

    /// A data filter comparator (`""` in the YAML means `=`).
    public enum Comparator: String, Sendable, Hashable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    /// `path`.
    public let path: GJSONPath
    /// `type`.
    public let type: ValueType
    /// `value`: literals for bool and number, regular expressions (unanchored) for string.
    public let values: [String]
    /// `comparator`.
    public let comparator: Comparator
    /// `template`, applied to the path's string value first.
    public let template: GoTemplate?
    /// The compiled regular expressions of a string filter, one per value.
    package let patterns: [TextPattern]
    /// The parsed numbers of a number filter, one per value.
    package let numbers: [Double]
    /// The parsed booleans of a bool filter, one per value.
    package let booleans: [Bool]

    package init(
        path: GJSONPath, type: ValueType, values: [String], comparator: Comparator, template: GoTemplate?,
        patterns: [TextPattern], numbers: [Double], booleans: [Bool]
    ) {
        self.path = path
        self.type = type
        self.values = values
        self.comparator = comparator
        self.template = template
        self.patterns = patterns
        self.numbers = numbers
        self.booleans = booleans
    }

    /// A short description for `explain` (`body.x string = [a b]`).
    public var summary: String {
        "\(path) \(type.rawValue) \(comparator.rawValue) [\(values.joined(separator: ", "))]"
            + (template.map { " template \($0.source)" } ?? "")
    }
}

/// An expr filter: an expression over named fields of the data.
public struct ExprFilter: Sendable {
    /// `expr`, parsed.
    public var expression: FilterExpression
    /// `expr` as written.
    public var source: String
    /// `fields`: each name is bound to the value at its path.
    public var fields: [(name: String, path: GJSONPath)]
    /// Regular expressions appearing as literals on the right of `=~`/`!~`, compiled once.
    package var patterns: [String: TextPattern]
    /// Regular expressions known only at evaluation time (a field on the right of `=~`/`!~`), compiled on first use.
    package let dynamicPatterns = PatternCache()
}

/// A context filter: exact matches on CloudEvent attributes (empty fields are not compared).
public struct ContextFilter: Sendable, Hashable {
    /// `type`.
    public var type: String?
    /// `subject`.
    public var subject: String?
    /// `source`.
    public var source: String?
    /// `datacontenttype`.
    public var dataContentType: String?
}

/// A time filter: passes events whose `time` falls in `[start, stop)` (or outside `[stop, start)` when the
/// window crosses midnight), in `zone`.
public struct TimeFilter: Sendable, Hashable {
    /// `start`.
    public var start: TimeOfDay
    /// `stop`.
    public var stop: TimeOfDay
    /// `timezone`, UTC when absent.
    public var zone: ZoneRule
}

/// One `spec.triggers[]` entry; immutable, shared by reference (a firing and each offer hold the same one).
public final class Trigger: Sendable {
    /// `template.name`.
    public let name: String
    /// `template.conditions` parsed, names resolved to the dependencies' own spelling; the AND of all
    /// dependencies when absent.
    public let conditions: ConditionExpression
    /// Whether every dependency of the conditions satisfies them alone (one dependency, or only `||`): such a
    /// trigger fires on each event with that event only and never holds anything, so it needs no correlation state.
    public let firesOnEachEvent: Bool
    /// `template.conditions` as written, or `nil` when absent.
    public let conditionsSource: String?
    /// `template.conditionsReset[].byTime`.
    public let conditionsReset: [CronSchedule]
    /// What the trigger does.
    public let kind: TriggerKind
    /// The whole `template` as a JSON-like value: template-level `parameters` apply to it.
    public let template: EventValue
    /// Template-level `parameters` (destinations inside `template`, e.g. `http.url`).
    public let parameters: [TriggerParameter]
    /// `retryStrategy`, if set.
    public let retryStrategy: RetryStrategy?
    /// `rateLimit`, if set.
    public let rateLimit: RateLimit?
    /// `policy.status.allow`: HTTP statuses that count as success (`nil`: any status).
    public let allowedStatuses: [Int]?
    /// `policy.k8s`: the labels the created resource must reach (`k8s` and `argoWorkflow` triggers); `nil` when unset.
    public let resourceLabelPolicy: ResourceLabelPolicy?
    /// `atLeastOnce`.
    public let atLeastOnce: Bool
    /// Where the entry starts.
    public let location: SourceLocation
    /// `dlqTrigger`: the trigger run with the same events when this one fails for good (a permanent failure, or
    /// retries exhausted on the last delivery), besides the dead letter. Only a trigger of `spec.triggers` has one.
    public let dlqTrigger: Trigger?

    init(
        name: String, conditions: ConditionExpression, conditionsSource: String?, conditionsReset: [CronSchedule],
        kind: TriggerKind, template: EventValue, parameters: [TriggerParameter], retryStrategy: RetryStrategy?,
        rateLimit: RateLimit?, allowedStatuses: [Int]?, resourceLabelPolicy: ResourceLabelPolicy?, atLeastOnce: Bool,
        location: SourceLocation, dlqTrigger: Trigger?
    ) {
        self.name = name
        self.conditions = conditions
        self.firesOnEachEvent = conditions.isSatisfiedByEachDependencyAlone
        self.conditionsSource = conditionsSource
        self.conditionsReset = conditionsReset
        self.kind = kind
        self.template = template
        self.parameters = parameters
        self.retryStrategy = retryStrategy
        self.rateLimit = rateLimit
        self.allowedStatuses = allowedStatuses
        self.resourceLabelPolicy = resourceLabelPolicy
        self.atLeastOnce = atLeastOnce
        self.location = location
        self.dlqTrigger = dlqTrigger
    }

    /// The dependencies this trigger listens to: those named in its conditions.
    public var dependencyNames: [String] { conditions.names }
}

/// The trigger kinds sensor-gateway executes.
public enum TriggerKind: Sendable {
    /// `argoWorkflow`: an Argo Workflows operation through the Argo Server REST API.
    case argoWorkflow(ArgoWorkflowTrigger)
    /// `k8s`: an operation on any Kubernetes resource through the Kubernetes API.
    case k8s(K8sTrigger)
    /// `http`: an HTTP request (Kubeflow Pipelines runs are created this way).
    case http(HTTPTrigger)
    /// `nats`: a core NATS publish.
    case nats(NATSTrigger)
    /// `log`: log the events.
    case log(intervalSeconds: Int)
    /// `kubeflowPipeline` (our extension): a Kubeflow Pipelines run through the KFP API server.
    case kubeflowPipeline(KubeflowPipelineTrigger)
    /// `route: {}` (our extension): each event the trigger fired with goes through the routing matrix
    /// (``RoutingMatrix/route(events:)``), which picks the engine and target.
    case route

    /// The YAML key of the kind (`argoWorkflow`, `k8s`, `http`, `nats`, `log`, `kubeflowPipeline`, `route`).
    public var key: String {
        switch self {
        case .argoWorkflow: "argoWorkflow"
        case .k8s: "k8s"
        case .http: "http"
        case .nats: "nats"
        case .log: "log"
        case .kubeflowPipeline: "kubeflowPipeline"
        case .route: "route"
        }
    }

    /// Whether `policy.k8s` applies: the kinds that create a Kubernetes resource (`k8s`, `argoWorkflow`).
    public var acceptsResourceLabelPolicy: Bool {
        switch self {
        case .k8s, .argoWorkflow: true
        case .http, .nats, .log, .kubeflowPipeline, .route: false
        }
    }

    /// The kind's resource-level `parameters` (for `http` and `nats`, also see their `payload`).
    public var parameters: [TriggerParameter] {
        switch self {
        case .argoWorkflow(let trigger): trigger.parameters
        case .k8s(let trigger): trigger.parameters
        case .http(let trigger): trigger.parameters
        case .nats(let trigger): trigger.parameters
        case .kubeflowPipeline(let trigger): trigger.parameters
        case .log, .route: []
        }
    }
}

/// `argoWorkflow`.
public struct ArgoWorkflowTrigger: Sendable {
    /// The operation.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case submit
        case submitFrom = "submit-from"
        case resubmit
        case retry
        case resume
        case suspend
        case terminate
        case stop
    }

    /// `operation`, `submit` by default.
    public var operation: Operation
    /// `source`: where the resource comes from.
    public var source: ArtifactLocation
    /// The object of `source.resource` (or `source.inline`, parsed); an empty mapping for a source read when the
    /// trigger runs.
    public var resource: EventValue { source.inlineResource ?? .map([:]) }
    /// `parameters`, applied to the resource.
    public var parameters: [TriggerParameter]
    /// `args`: the `argo submit` flags, as the Workflow fields they set.
    public var arguments: [Argument]

    /// One flag of `argoWorkflow.args`, as the field of the submitted Workflow it sets.
    public enum Argument: Sendable, Hashable {
        /// `--entrypoint`: `spec.entrypoint`.
        case entrypoint(String)
        /// `-p`/`--parameter name=value`: the value of the parameter `name` of `spec.arguments.parameters`.
        case parameter(name: String, value: String)
        /// `--serviceaccount`: `spec.serviceAccountName`.
        case serviceAccount(String)
        /// One `key=value` of `-l`/`--labels`: `metadata.labels`.
        case label(key: String, value: String)
        /// `--generate-name`: `metadata.generateName`.
        case generateName(String)
        /// `--name`: `metadata.name`.
        case name(String)
        /// `--priority`: `spec.priority`.
        case priority(Int)
    }
}

/// `http`.
public struct HTTPTrigger: Sendable {
    /// `url`.
    public var url: String
    /// `method`, `POST` by default.
    public var method: String
    /// `payload`: parameters that build the JSON body.
    public var payload: [TriggerParameter]
    /// `parameters`, applied to the trigger itself (e.g. `url`).
    public var parameters: [TriggerParameter]
    /// `headers`.
    public var headers: [String: String]
    /// `dynamicHeaders`: parameters whose `dest` is a header name.
    public var dynamicHeaders: [TriggerParameter]
    /// `secureHeaders`: headers whose values are secrets, read when the trigger runs and never shown.
    public var secureHeaders: [SecureHeader]
    /// `timeout` in seconds, 60 by default.
    public var timeoutSeconds: Int
    /// `exactlyOnce` (our extension): the firing is claimed before the request is sent, so replicas and
    /// redeliveries send it once while it runs and never again once it succeeded; `false` by default.
    public var exactlyOnce = false
}

/// A `secureHeaders` entry: a header whose value is a secret, read when the trigger runs.
public struct SecureHeader: Sendable, Hashable {
    /// Where the value comes from.
    public enum Source: Sendable, Hashable {
        /// `valueFrom.secretKeyRef{name, key}`: the file `<secrets directory>/<name>/<key>` (a mounted Secret, as
        /// Argo Events mounts them).
        case secretKey(name: String, key: String)
        /// `valueFrom.file` (our extension): a file holding the value.
        case file(String)
        /// `valueFrom.env` (our extension): an environment variable.
        case environment(String)
    }

    /// The header name.
    public var name: String
    /// Where the value comes from.
    public var source: Source
}

/// `kubeflowPipeline` (our extension): start a Kubeflow Pipelines run.
///
/// Trigger `parameters` write into this section before the run is built, e.g. `dest: runtimeParameters.message`
/// (with `useRawData: true` a number or boolean keeps its JSON type) or `dest: experimentName`.
public struct KubeflowPipelineTrigger: Sendable {
    /// `pipelineId` or `pipelineName`: exactly one is set.
    public var pipelineID: String?
    /// `pipelineName`.
    public var pipelineName: String?
    /// `pipelineVersionId`; with neither it nor `pipelineVersionName`, the pipeline's latest version runs.
    public var pipelineVersionID: String?
    /// `pipelineVersionName`.
    public var pipelineVersionName: String?
    /// `experimentId`.
    public var experimentID: String?
    /// `experimentName`: looked up, and created when missing.
    public var experimentName: String?
    /// `namespace`: the profile namespace (multi-user KFP), for look-ups and new experiments.
    public var namespace: String?
    /// `runtimeParameters`: the run's parameters, typed as written (string, number, boolean, list, mapping).
    public var runtimeParameters: EventMap
    /// `serviceAccount`.
    public var serviceAccount: String?
    /// `pipelineRoot`.
    public var pipelineRoot: String?
    /// `description`.
    public var description: String?
    /// `parameters`, applied to this section.
    public var parameters: [TriggerParameter]
}

/// `nats`.
public struct NATSTrigger: Sendable {
    /// `url`.
    public var url: String
    /// `subject`.
    public var subject: String
    /// `payload`.
    public var payload: [TriggerParameter]
    /// `parameters`.
    public var parameters: [TriggerParameter]
}

/// `retryStrategy` (k8s `wait.Backoff`).
public struct RetryStrategy: Sendable, Hashable {
    /// `duration` in seconds (default 1).
    public var durationSeconds: Double
    /// `factor` (default 1).
    public var factor: Double
    /// `jitter` (default 1).
    public var jitter: Double
    /// `steps`: total attempts (0 or absent means 5).
    public var steps: Int

    /// Creates a strategy (the decoder's defaults: 1 s, factor 1, jitter 1, 5 steps).
    public init(durationSeconds: Double = 1, factor: Double = 1, jitter: Double = 1, steps: Int = 5) {
        self.durationSeconds = durationSeconds
        self.factor = factor
        self.jitter = jitter
        self.steps = steps
    }
}

/// `rateLimit`.
public struct RateLimit: Sendable, Hashable {
    /// The unit of `requestsPerUnit`.
    public enum Unit: String, Sendable, Hashable {
        case second = "Second"
        case minute = "Minute"
        case hour = "Hour"
    }

    /// `unit`, `Second` by default.
    public var unit: Unit
    /// `requestsPerUnit`.
    public var requestsPerUnit: Int

    /// Creates a rate limit.
    public init(unit: Unit = .second, requestsPerUnit: Int) {
        self.unit = unit
        self.requestsPerUnit = requestsPerUnit
    }
}

/// A trigger parameter: a value taken from an event and written into a JSON document.
public struct TriggerParameter: Sendable {
    /// How the value is written.
    public enum Operation: String, Sendable, Hashable {
        case overwrite
        case append
        case prepend
    }

    /// `src`.
    public var source: ParameterSource
    /// `dest`, an sjson path; empty only for an HTTP payload parameter (the value becomes the whole body).
    public let destination: String
    /// `destination` parsed once; `nil` when empty or not a valid path (which the decoder reports).
    public let destinationPath: SetPath?
    /// `operation`, `overwrite` by default.
    public var operation: Operation
    /// Where the entry starts.
    public var location: SourceLocation

    init(source: ParameterSource, destination: String, operation: Operation, location: SourceLocation) {
        self.source = source
        self.destination = destination
        self.destinationPath = destination.isEmpty ? nil : try? SetPath(destination)
        self.operation = operation
        self.location = location
    }
}

/// `src` of a trigger parameter.
public struct ParameterSource: Sendable {
    /// `dependencyName`.
    public var dependencyName: String
    /// `contextKey`.
    public var contextKey: GJSONPath?
    /// `contextTemplate`.
    public var contextTemplate: GoTemplate?
    /// `dataKey`.
    public var dataKey: GJSONPath?
    /// `dataTemplate`.
    public var dataTemplate: GoTemplate?
    /// `value`: the default.
    public var value: String?
    /// `useRawData`: keep numbers, booleans, objects and arrays as JSON instead of strings.
    public var useRawData: Bool
}
