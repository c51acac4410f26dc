public import EventModel
public import SensorModel

/// Builds Argo Server REST requests (`/api/v1`) from plain values: pure, no I/O. The routing matrix uses these
/// directly; the executor uses them for `argoWorkflow` and `k8s` triggers.
public enum ArgoRequests {
    /// The kinds `/submit` accepts.
    public enum TemplateKind: String, Sendable, Hashable, CaseIterable {
        /// A namespaced `WorkflowTemplate`.
        case workflowTemplate = "WorkflowTemplate"
        /// A `ClusterWorkflowTemplate`.
        case clusterWorkflowTemplate = "ClusterWorkflowTemplate"
        /// A `CronWorkflow`, submitted once now.
        case cronWorkflow = "CronWorkflow"
    }

    /// `submitOptions` of a `/submit` request.
    public struct SubmitOptions: Sendable, Hashable {
        /// `name`: the workflow's `metadata.name` (deterministic, for idempotency).
        public var name: String
        /// `labels`, sent as `k=v,k2=v2`.
        public var labels: [String: String]
        /// `annotations`, sent as `k=v,k2=v2`.
        public var annotations: [String: String]
        /// `parameters` in order, sent as `name=value`.
        public var parameters: [(name: String, value: String)]
        /// `serviceAccount`.
        public var serviceAccount: String?
        /// `entryPoint`.
        public var entryPoint: String?

        /// Creates options.
        public init(
            name: String, labels: [String: String] = [:], annotations: [String: String] = [:],
            parameters: [(name: String, value: String)] = [], serviceAccount: String? = nil, entryPoint: String? = nil
        ) {
            self.name = name
            self.labels = labels
            self.annotations = annotations
            self.parameters = parameters
            self.serviceAccount = serviceAccount
            self.entryPoint = entryPoint
        }

        /// Equal when every field is, parameters in order.
        public static func == (lhs: SubmitOptions, rhs: SubmitOptions) -> Bool {
            lhs.name == rhs.name && lhs.labels == rhs.labels && lhs.annotations == rhs.annotations
                && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
                && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
                && lhs.serviceAccount == rhs.serviceAccount && lhs.entryPoint == rhs.entryPoint
        }

        /// Hashes the name and labels.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(name)
            hasher.combine(labels)
        }
    }

    /// `POST /api/v1/workflows/{ns}` with a `WorkflowCreateRequest`.
    /// - Parameters:
    ///   - namespace: the namespace (also set as the workflow's `metadata.namespace`).
    ///   - workflow: the `Workflow` object.
    public static func create(namespace: String, workflow: EventValue) -> APIRequest {
        var workflow = workflow
        if case .map(var object) = workflow, case .map(var metadata) = object["metadata"] ?? .map([:]) {
            metadata["namespace"] = .string(namespace)
            object["metadata"] = .map(metadata)
            workflow = .map(object)
        }
        return APIRequest(
            method: "POST", path: "/api/v1/workflows/\(URLComponent.encode(namespace))",
            body: .map(["namespace": .string(namespace), "workflow": workflow]))
    }

    /// `POST /api/v1/workflows/{ns}/submit` with a `WorkflowSubmitRequest`.
    /// - Parameters:
    ///   - namespace: the namespace the workflow is created in.
    ///   - kind: the template's kind.
    ///   - template: the template's name.
    ///   - options: the submit options.
    /// - Throws: ``TriggerError`` when a label, annotation or parameter cannot be written in Argo's `k=v,…` and
    ///   `name=value` strings (the server would answer 500).
    public static func submit(namespace: String, kind: TemplateKind, template: String, options: SubmitOptions)
        throws(TriggerError) -> APIRequest
    {
        for (field, pairs) in [("labels", options.labels), ("annotations", options.annotations)] {
            for (key, value) in pairs
            where key.isEmpty || key.contains(",") || key.contains("=") || value.contains(",") {
                throw TriggerError(
                    .invalidRequest, "submitOptions.\(field) entry '\(key)' cannot be written as k=v (no ',' or '=')")
            }
        }
        for parameter in options.parameters where parameter.name.isEmpty || parameter.name.contains("=") {
            throw TriggerError(
                .invalidRequest, "submitOptions.parameters name '\(parameter.name)' must be non-empty without '='")
        }
        var submitOptions: EventMap = ["name": .string(options.name)]
        if !options.labels.isEmpty { submitOptions["labels"] = .string(joined(options.labels)) }
        if !options.annotations.isEmpty { submitOptions["annotations"] = .string(joined(options.annotations)) }
        if !options.parameters.isEmpty {
            submitOptions["parameters"] = .array(options.parameters.map { .string("\($0.name)=\($0.value)") })
        }
        if let account = options.serviceAccount { submitOptions["serviceAccount"] = .string(account) }
        if let entryPoint = options.entryPoint { submitOptions["entryPoint"] = .string(entryPoint) }
        return APIRequest(
            method: "POST", path: "/api/v1/workflows/\(URLComponent.encode(namespace))/submit",
            body: .map([
                "namespace": .string(namespace), "resourceKind": .string(kind.rawValue),
                "resourceName": .string(template), "submitOptions": .map(submitOptions),
            ]))
    }

    /// `PUT /api/v1/workflows/{ns}/{name}/<operation>`: an operation on an existing workflow.
    /// - Parameters:
    ///   - operation: what to do: `resubmit`, `retry`, `resume`, `suspend`, `terminate` or `stop`.
    ///   - namespace: the workflow's namespace.
    ///   - name: the workflow's name.
    ///   - parameters: for `resubmit` and `retry`, parameters to override (`name=value`).
    /// - Throws: ``TriggerError`` for `submit` and `submit-from`, which create a workflow
    ///   (``create(namespace:workflow:)``, ``submit(namespace:kind:template:options:)``).
    public static func lifecycle(
        _ operation: ArgoWorkflowTrigger.Operation, namespace: String, name: String,
        parameters: [(name: String, value: String)] = []
    ) throws(TriggerError) -> APIRequest {
        switch operation {
        case .submit, .submitFrom:
            throw TriggerError(.invalidRequest, "\(operation.rawValue) is not an operation on an existing workflow")
        case .resubmit, .retry, .resume, .suspend, .terminate, .stop:
            break
        }
        var body: EventMap = ["namespace": .string(namespace), "name": .string(name)]
        if !parameters.isEmpty && (operation == .resubmit || operation == .retry) {
            body["parameters"] = .array(parameters.map { .string("\($0.name)=\($0.value)") })
        }
        return APIRequest(
            method: "PUT",
            path: "/api/v1/workflows/\(URLComponent.encode(namespace))/\(URLComponent.encode(name))/"
                + operation.rawValue,
            body: .map(body))
    }

    /// `GET /api/v1/workflows/{ns}/{name}` for its name, labels and phase only.
    public static func get(namespace: String, name: String) -> APIRequest {
        APIRequest(
            method: "GET",
            path: "/api/v1/workflows/\(URLComponent.encode(namespace))/\(URLComponent.encode(name))"
                + URLComponent.query([("fields", "metadata.name,metadata.labels,status.phase")]))
    }

    private static func joined(_ pairs: [String: String]) -> String {
        pairs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
