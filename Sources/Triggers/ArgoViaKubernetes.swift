import EventModel
import Kubernetes
import SensorEngine
import SensorModel

/// Argo Workflows without an Argo Server (`argo.via: kubernetes`): each operation as the Kubernetes API call that
/// Argo's controller acts on. A submission creates a `Workflow` named and labelled after the firing (a 409 is
/// confirmed through the label); a submission from a WorkflowTemplate or ClusterWorkflowTemplate creates one whose
/// `spec.workflowTemplateRef` names it, and one from a CronWorkflow copies its `spec.workflowSpec`, as
/// `argo submit --from` does; `suspend` and `resume` merge-patch `spec.suspend`, `terminate` and `stop`
/// `spec.shutdown`. `retry` and `resubmit` rebuild a workflow's status, which only the Argo Server does: refused.
struct ArgoViaKubernetes: Sendable {
    /// The label Argo puts on a workflow submitted from a WorkflowTemplate.
    static let workflowTemplateLabel = "workflows.argoproj.io/workflow-template"
    /// The label Argo puts on a workflow submitted from a ClusterWorkflowTemplate.
    static let clusterWorkflowTemplateLabel = "workflows.argoproj.io/cluster-workflow-template"
    /// The label Argo puts on a workflow submitted from a CronWorkflow.
    static let cronWorkflowLabel = "workflows.argoproj.io/cron-workflow"
    /// The operations that need the Argo Server.
    static let serverOnlyOperations: Set<ArgoWorkflowTrigger.Operation> = [.retry, .resubmit]
    static let apiVersion = "argoproj.io/v1alpha1"

    let context: TriggerContext

    /// One attempt of a resolved `argoWorkflow` trigger; `name` is the workflow created or acted on. With
    /// `readFirst` (a repeated firing), a create reads the workflow first and sends nothing when it exists.
    func execute(_ workflow: ResolvedWorkflow, namespace: String, identity: FiringIdentity, readFirst: Bool = false)
        async throws(AttemptEnd) -> (attempt: Attempt, name: String)
    {
        let resource = workflow.resource
        switch workflow.operation {
        case .submit:
            let built: (request: APIRequest, name: String, confirm: Bool)
            do {
                built = try ArgoWorkflowExecutor.request(
                    workflow, namespace: namespace, identity: identity, traceID: TriggerTrace.current?.traceID)
            } catch {
                throw .permanent(error.description)
            }
            let object = built.request.body?["workflow"] ?? .null
            let attempt = try await create(
                object, name: built.name, namespace: namespace, identity: identity, readFirst: readFirst)
            return (attempt, built.name)
        case .submitFrom:
            let kind = resource["kind"]?.stringValue ?? ""
            let template = resource["metadata"]?["name"]?.stringValue ?? ""
            guard let templateKind = ArgoRequests.TemplateKind(rawValue: kind), !template.isEmpty else {
                throw .permanent(
                    "submit-from needs a named WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow, not '\(kind)'"
                )
            }
            let parameters: [(name: String, value: String)]
            do { parameters = try ArgoWorkflowExecutor.submitParameters(of: resource) } catch {
                throw .permanent(error.description)
            }
            let attempt = try await submit(
                from: templateKind, template: template, parameters: parameters, namespace: namespace,
                identity: identity, readFirst: readFirst)
            return (attempt, identity.name(prefix: template))
        case .suspend, .resume, .terminate, .stop, .retry, .resubmit:
            let name = resource["metadata"]?["name"]?.stringValue ?? ""
            guard !name.isEmpty else {
                throw .permanent("\(workflow.operation.rawValue) needs the workflow's metadata.name")
            }
            return (try await lifecycle(workflow.operation, namespace: namespace, name: name, identity: identity), name)
        }
    }

    /// Submits a workflow from a template (a routing matrix target, or `submit-from`), named after `identity`; with
    /// `readFirst`, only when that workflow does not exist yet.
    func submit(
        from kind: ArgoRequests.TemplateKind, template: String, parameters: [(name: String, value: String)],
        namespace: String, identity: FiringIdentity, readFirst: Bool = false
    ) async throws(AttemptEnd) -> Attempt {
        let name = identity.name(prefix: template)
        var cronWorkflow: EventValue?
        if kind == .cronWorkflow {
            guard let calls = kubernetesCalls() else {
                throw .permanent("submit-from a CronWorkflow reads it from the Kubernetes API, and none is configured")
            }
            let type = try await calls.resourceType(apiVersion: Self.apiVersion, kind: kind.rawValue)
            guard let found = try await calls.get(type, namespace: namespace, name: template) else {
                return .retry(
                    reason: "CronWorkflow \(namespace)/\(template) does not exist", after: nil, kind: .notFound)
            }
            cronWorkflow = found
        }
        let object = Self.workflow(
            from: kind, template: template, cronWorkflow: cronWorkflow, parameters: parameters, name: name,
            namespace: namespace, identity: identity)
        return try await create(object, name: name, namespace: namespace, identity: identity, readFirst: readFirst)
    }

    /// The workflow, read through the Kubernetes API.
    func read(namespace: String, name: String) async throws(AttemptEnd) -> EventValue {
        guard let client = context.configuration.kubernetes else {
            throw .permanent("argo.via is kubernetes, and no Kubernetes API is configured")
        }
        let calls = KubernetesCalls(client: client)
        let type = try await calls.resourceType(apiVersion: Self.apiVersion, kind: "Workflow")
        guard let workflow = try await calls.get(type, namespace: namespace, name: name) else {
            throw .permanent("workflow \(namespace)/\(name) does not exist")
        }
        return workflow
    }

    /// A Workflow submitted from a template as Argo builds one: `spec.workflowTemplateRef` (with `clusterScope`
    /// for a ClusterWorkflowTemplate), or a CronWorkflow's `spec.workflowSpec` and `spec.workflowMetadata`, owned by
    /// it; the template's label; `parameters` as `spec.arguments.parameters`; named and labelled after the firing.
    static func workflow(
        from kind: ArgoRequests.TemplateKind, template: String, cronWorkflow: EventValue?,
        parameters: [(name: String, value: String)], name: String, namespace: String, identity: FiringIdentity
    ) -> EventValue {
        var labels = EventMap()
        var annotations = EventMap()
        var spec = EventMap()
        switch kind {
        case .workflowTemplate, .clusterWorkflowTemplate:
            var reference: EventMap = ["name": .string(template)]
            if kind == .clusterWorkflowTemplate { reference["clusterScope"] = true }
            spec["workflowTemplateRef"] = .map(reference)
            let label = kind == .workflowTemplate ? workflowTemplateLabel : clusterWorkflowTemplateLabel
            if FiringIdentity.isLabelValue(template) { labels[label] = .string(template) }
        case .cronWorkflow:
            spec = cronWorkflow?["spec"]?["workflowSpec"]?.mapValue ?? EventMap()
            let metadata = cronWorkflow?["spec"]?["workflowMetadata"]
            labels = metadata?["labels"]?.mapValue ?? EventMap()
            annotations = metadata?["annotations"]?.mapValue ?? EventMap()
            if FiringIdentity.isLabelValue(template) { labels[cronWorkflowLabel] = .string(template) }
        }
        if !parameters.isEmpty {
            var resource: EventValue = ["spec": .map(spec)]
            for parameter in parameters {
                ArgoWorkflowTrigger.Argument.parameter(name: parameter.name, value: parameter.value)
                    .apply(to: &resource)
            }
            spec = resource["spec"]?.mapValue ?? spec
        }
        for (key, value) in identity.labels { labels[key] = .string(value) }
        if let traceID = TriggerTrace.current?.traceID {
            annotations[TriggerTrace.traceIDAnnotation] = .string(traceID)
        }
        var metadata: EventMap = ["name": .string(name), "namespace": .string(namespace), "labels": .map(labels)]
        if !annotations.isEmpty { metadata["annotations"] = .map(annotations) }
        if let uid = cronWorkflow?["metadata"]?["uid"]?.stringValue {
            metadata["ownerReferences"] = [
                [
                    "apiVersion": .string(apiVersion), "kind": "CronWorkflow", "name": .string(template),
                    "uid": .string(uid), "controller": true, "blockOwnerDeletion": true,
                ]
            ]
        }
        return [
            "apiVersion": .string(apiVersion), "kind": "Workflow", "metadata": .map(metadata), "spec": .map(spec),
        ]
    }

    /// The merge patch of a lifecycle operation: `spec.suspend` true or removed, `spec.shutdown` `Terminate` or
    /// `Stop`; `nil` for `retry`, `resubmit` and the submissions.
    static func lifecyclePatch(_ operation: ArgoWorkflowTrigger.Operation) -> EventValue? {
        switch operation {
        case .suspend: ["spec": ["suspend": true]]
        case .resume: ["spec": ["suspend": nil]]
        case .terminate: ["spec": ["shutdown": "Terminate"]]
        case .stop: ["spec": ["shutdown": "Stop"]]
        case .submit, .submitFrom, .retry, .resubmit: nil
        }
    }

    private func lifecycle(
        _ operation: ArgoWorkflowTrigger.Operation, namespace: String, name: String, identity: FiringIdentity
    ) async throws(AttemptEnd) -> Attempt {
        guard let patch = Self.lifecyclePatch(operation) else {
            throw .permanent(
                "\(operation.rawValue) of workflow \(namespace)/\(name) needs the Argo Server (argo.via is kubernetes)")
        }
        let what = "workflow \(namespace)/\(name)"
        guard let calls = kubernetesCalls() else {
            let path = "/apis/\(Self.apiVersion)/namespaces/\(namespace)/workflows/\(name)"
            return outbox(
                "PATCH", path, PatchStrategy.merge.rawValue, patch, name: identity.name(prefix: name), what,
                identity: identity)
        }
        let type = try await calls.resourceType(apiVersion: Self.apiVersion, kind: "Workflow")
        do {
            _ = try await calls.client.patch(type, namespace: namespace, name: name, patch: patch, strategy: .merge)
            return .done(.succeeded(detail: "\(what): \(operation.rawValue)"))
        } catch {
            guard error.kind == .notFound else { throw KubernetesCalls.end(error) }
            return .retry(reason: "\(what) does not exist", after: nil, kind: .notFound)
        }
    }

    /// Creates a Workflow named after the firing, confirming a 409 through its label.
    private func create(
        _ object: EventValue, name: String, namespace: String, identity: FiringIdentity, readFirst: Bool
    ) async throws(AttemptEnd) -> Attempt {
        guard let calls = kubernetesCalls() else {
            let path = "/apis/\(Self.apiVersion)/namespaces/\(namespace)/workflows"
            return outbox(
                "POST", path, "application/json", object, name: name, "workflow \(namespace)/\(name)",
                identity: identity)
        }
        let type = try await calls.resourceType(apiVersion: Self.apiVersion, kind: "Workflow")
        return try await calls.create(
            type, namespace: namespace, object: object, name: name, identity: identity, readFirst: readFirst)
    }

    /// The calls through the configured Kubernetes API; `nil` when there is none (the outbox takes the request, or
    /// the firing fails without one).
    private func kubernetesCalls() -> KubernetesCalls? {
        context.configuration.kubernetes.map { KubernetesCalls(client: $0) }
    }

    /// Writes the request to the outbox, as `engine` `argo` (the engine the trigger's metrics count it under).
    private func outbox(
        _ method: String, _ path: String, _ contentType: String, _ body: EventValue, name: String, _ what: String,
        identity: FiringIdentity
    ) -> Attempt {
        context.writeOutbox(
            Outbox.Record(
                engine: ArgoWorkflowExecutor.engine, name: name, method: method, url: "{kubernetes.server}" + path,
                headers: [("Content-Type", contentType)], body: body, identity: identity),
            what: what, missing: TriggerContext.kubernetesSetting)
    }
}
