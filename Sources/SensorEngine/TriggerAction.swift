import ConfigReader
public import EventModel
import SensorLanguage
public import SensorModel

/// What a fired trigger would do: the request built from its template and the events, before the Triggers module
/// adds what belongs to execution (idempotent names, credentials, retries).
public struct TriggerAction: Sendable, Hashable {
    /// Where the request goes.
    public enum Engine: String, Sendable, Hashable {
        /// The Argo Server REST API; `path` is relative to `argo.server`.
        case argo
        /// Any HTTP endpoint (Kubeflow Pipelines runs are created this way); `url` is absolute.
        case http
        /// A core NATS publish on `subject`.
        case nats
        /// Logging only.
        case log
        /// The Kubeflow Pipelines API server; `path` is relative to `kubeflow.host` and the body is the resolved
        /// `kubeflowPipeline` section (names are turned into ids when the trigger runs).
        case kubeflow
        /// Through the routing matrix (a `route` trigger); `body` lists the events' ids by dependency.
        case route
        /// The Kubernetes API (a `k8s` trigger); `path` is relative to the API server, `contentType` is the body's
        /// (a patch names its strategy).
        case kubernetes
    }

    /// The body of a request.
    public enum Body: Sendable, Hashable {
        /// A JSON document.
        case json(EventValue)
        /// Text sent as it is (an HTTP payload parameter with an empty `dest`).
        case text(String)
    }

    /// The engine.
    public var engine: Engine
    /// The HTTP method (argo, http, kubeflow, kubernetes).
    public var method: String?
    /// The path under the Argo Server (argo), the KFP API server (kubeflow) or the Kubernetes API server
    /// (kubernetes).
    public var path: String?
    /// The URL (http, nats).
    public var url: String?
    /// The NATS subject (nats).
    public var subject: String?
    /// Headers (http).
    public var headers: [String: String]
    /// The body's content type when it is not `application/json` (a kubernetes patch).
    public var contentType: String? = nil
    /// The body, if any.
    public var body: Body?

    /// The action as JSON, as `explain --format json` prints it under `request`.
    public var json: EventValue {
        var map: EventMap = ["engine": .string(engine.rawValue)]
        if let method { map["method"] = .string(method) }
        if let path { map["path"] = .string(path) }
        if let url { map["url"] = .string(url) }
        if let subject { map["subject"] = .string(subject) }
        if !headers.isEmpty { map["headers"] = .map(EventMap(headers.mapValues(EventValue.string))) }
        if let contentType { map["contentType"] = .string(contentType) }
        switch body {
        case .json(let value): map["body"] = value
        case .text(let text): map["body"] = .string(text)
        case nil: break
        }
        return .map(map)
    }
}

/// The Argo resource of an `argoWorkflow` trigger with its parameters applied.
public struct ResolvedWorkflow: Sendable, Hashable {
    /// The operation (possibly set by a template-level parameter).
    public var operation: ArgoWorkflowTrigger.Operation
    /// The resource: a Workflow for `submit`, the template for `submit-from`, a Workflow naming the target otherwise.
    public var resource: EventValue
    /// `metadata.namespace`, else the sensor's namespace, else `argo`.
    public var namespace: String
}

extension Trigger {
    /// Builds the action for a firing, as Argo Events' trigger pipeline does: template-level parameters are applied
    /// to the template, then the kind's parameters to its resource (argoWorkflow, k8s) or to the kind itself (http,
    /// nats: e.g. `url`), and `payload` builds the body.
    /// - Parameters:
    ///   - events: the events the trigger fired with, by dependency name.
    ///   - sensor: the sensor, for its name (the `events.argoproj.io/sensor` label) and namespace (the default for a
    ///     Workflow without one; `argo` when it has none either).
    /// - Throws: ``ParameterError`` when a parameter cannot be resolved or applied.
    public func action(events: [String: Event], sensor: Sensor) throws(ParameterError) -> TriggerAction {
        var template = self.template
        try parameters.apply(events: events, to: &template)
        var section = template[kind.key] ?? .map([:])
        switch kind {
        case .argoWorkflow(let trigger):
            let workflow = try resolveWorkflow(trigger, section: section, events: events, sensor: sensor, fetched: nil)
            return Self.argoAction(
                operation: workflow.operation, resource: workflow.resource, defaultNamespace: workflow.namespace)
        case .k8s(let trigger):
            return try resolveResource(trigger, section: section, events: events, sensor: sensor, fetched: nil).action
        case .http(let trigger):
            try trigger.parameters.apply(events: events, to: &section)
            var headers = trigger.headers
            if case .map(let edited) = section["headers"] ?? .null {
                headers = [:]
                for entry in edited where entry.value != .null { headers[entry.key] = entry.value.gjsonString }
            }
            for header in trigger.dynamicHeaders {
                if let value = try header.resolve(events: events) { headers[header.destination] = value.text }
            }
            let method = section["method"]?.stringValue.map { $0.uppercased() }.flatMap { $0.isEmpty ? nil : $0 }
            return TriggerAction(
                engine: .http, method: method ?? trigger.method, path: nil,
                url: section["url"]?.stringValue ?? trigger.url,
                subject: nil, headers: headers, body: try Self.payload(trigger.payload, events: events))
        case .nats(let trigger):
            try trigger.parameters.apply(events: events, to: &section)
            return TriggerAction(
                engine: .nats, method: nil, path: nil, url: section["url"]?.stringValue ?? trigger.url,
                subject: section["subject"]?.stringValue ?? trigger.subject, headers: [:],
                body: try Self.payload(trigger.payload, events: events))
        case .log:
            return TriggerAction(engine: .log, method: nil, path: nil, url: nil, subject: nil, headers: [:], body: nil)
        case .kubeflowPipeline(let trigger):
            try trigger.parameters.apply(events: events, to: &section)
            if case .map(var fields) = section {
                _ = fields.removeValue(forKey: "parameters")
                section = .map(fields)
            }
            return TriggerAction(
                engine: .kubeflow, method: "POST", path: "/apis/v2beta1/runs", url: nil, subject: nil, headers: [:],
                body: .json(section))
        case .route:
            let ids = EventMap(events.mapValues { EventValue.string($0.id) })
            return TriggerAction(
                engine: .route, method: nil, path: nil, url: nil, subject: nil, headers: [:], body: .json(.map(ids)))
        }
    }

    /// The Argo resource of an `argoWorkflow` trigger after parameters: template-level parameters, then
    /// the kind's own, with the `events.argoproj.io/sensor` and `…/trigger` labels added when absent; `nil` for
    /// other kinds.
    /// - Parameters:
    ///   - events: the events the trigger fired with, by dependency name.
    ///   - sensor: the sensor (its name for the label, its namespace as the default).
    ///   - fetched: the resource read from the trigger's `source` when it runs; `nil` uses the inline resource.
    /// - Throws: ``ParameterError`` when a parameter cannot be resolved or applied.
    public func resolvedWorkflow(events: [String: Event], sensor: Sensor, fetched: EventValue? = nil)
        throws(ParameterError) -> ResolvedWorkflow?
    {
        let trigger: ArgoWorkflowTrigger
        switch kind {
        case .argoWorkflow(let argo): trigger = argo
        case .k8s, .http, .nats, .log, .kubeflowPipeline, .route: return nil
        }
        var template = self.template
        try parameters.apply(events: events, to: &template)
        return try resolveWorkflow(
            trigger, section: template[kind.key] ?? .map([:]), events: events, sensor: sensor, fetched: fetched)
    }

    /// ``resolvedWorkflow(events:sensor:fetched:)`` once template-level parameters gave `section`, the trigger's
    /// part of the template.
    private func resolveWorkflow(
        _ trigger: ArgoWorkflowTrigger, section: EventValue, events: [String: Event], sensor: Sensor,
        fetched: EventValue?
    ) throws(ParameterError) -> ResolvedWorkflow {
        var resource = fetched ?? trigger.resource
        if let edited = section["source"]?["resource"], case .map = edited { resource = edited }
        try trigger.parameters.apply(events: events, to: &resource)
        if resource["metadata"]?.mapValue != nil {
            for (label, value) in [("events.argoproj.io/sensor", sensor.name), ("events.argoproj.io/trigger", name)] {
                let path = SetPath(components: [.key("metadata"), .key("labels"), .key(label)])
                if path.value(in: resource) == nil { path.set(.string(value), in: &resource) }
            }
        }
        let operation =
            section["operation"]?.stringValue.flatMap(ArgoWorkflowTrigger.Operation.init(rawValue:))
            ?? trigger.operation
        if operation == .submit || operation == .submitFrom {
            for argument in trigger.arguments { argument.apply(to: &resource) }
        }
        let namespace = resource["metadata"]?["namespace"]?.stringValue ?? sensor.namespace ?? "argo"
        return ResolvedWorkflow(operation: operation, resource: resource, namespace: namespace)
    }

    /// A payload built from parameters (Argo Events `ConstructPayload`); `nil` without parameters.
    package static func payload(_ parameters: [TriggerParameter], events: [String: Event]) throws(ParameterError)
        -> TriggerAction.Body?
    {
        guard !parameters.isEmpty else { return nil }
        var document = EventValue.map([:])
        var whole: TriggerAction.Body?
        for parameter in parameters {
            guard let value = try parameter.resolve(events: events) else { continue }
            if parameter.destination.isEmpty {
                switch value {
                case .text(let text): whole = .text(text)
                case .raw(let raw): whole = .json(raw)
                }
                continue
            }
            try parameter.apply(value, to: &document)
        }
        return whole ?? .json(document)
    }

    package static func argoAction(
        operation: ArgoWorkflowTrigger.Operation, resource: EventValue, defaultNamespace: String
    )
        -> TriggerAction
    {
        let metadata = resource["metadata"]
        let namespace = metadata?["namespace"]?.stringValue ?? defaultNamespace
        let name = metadata?["name"]?.stringValue ?? ""
        switch operation {
        case .submit:
            return TriggerAction(
                engine: .argo, method: "POST", path: "/api/v1/workflows/\(namespace)", url: nil, subject: nil,
                headers: [:],
                body: .json(.map(["namespace": .string(namespace), "workflow": resource])))
        case .submitFrom:
            let kind = resource["kind"]?.stringValue ?? ""
            return TriggerAction(
                engine: .argo, method: "POST", path: "/api/v1/workflows/\(namespace)/submit", url: nil, subject: nil,
                headers: [:],
                body: .json(
                    .map([
                        "namespace": .string(namespace), "resourceKind": .string(kind), "resourceName": .string(name),
                        "submitOptions": .map([:]),
                    ])))
        case .resubmit, .retry, .resume, .suspend, .terminate, .stop:
            return TriggerAction(
                engine: .argo, method: "PUT", path: "/api/v1/workflows/\(namespace)/\(name)/\(operation.rawValue)",
                url: nil,
                subject: nil, headers: [:], body: .json(.map(["namespace": .string(namespace), "name": .string(name)])))
        }
    }
}

extension ArgoWorkflowTrigger.Argument {
    /// Sets the field of the Workflow (or, for a parameter, of the template submitted from) the flag names.
    package func apply(to resource: inout EventValue) {
        func set(_ keys: String..., to value: EventValue) {
            SetPath(components: keys.map { .key($0) }).set(value, in: &resource)
        }
        switch self {
        case .entrypoint(let entrypoint): set("spec", "entrypoint", to: .string(entrypoint))
        case .serviceAccount(let account): set("spec", "serviceAccountName", to: .string(account))
        case .label(let key, let value): set("metadata", "labels", key, to: .string(value))
        case .generateName(let prefix): set("metadata", "generateName", to: .string(prefix))
        case .name(let name): set("metadata", "name", to: .string(name))
        case .priority(let priority): set("spec", "priority", to: .int(Int64(priority)))
        case .parameter(let name, let value):
            var parameters = resource["spec"]?["arguments"]?["parameters"]?.arrayValue ?? []
            if let index = parameters.firstIndex(where: { $0["name"]?.stringValue == name }),
                case .map(var entry) = parameters[index]
            {
                entry["value"] = .string(value)
                parameters[index] = .map(entry)
            } else {
                parameters.append(.map(["name": .string(name), "value": .string(value)]))
            }
            set("spec", "arguments", "parameters", to: .array(parameters))
        }
    }
}
