public import EventModel
public import SensorEngine
import SensorModel

/// The requests a routing decision stands for, built without contacting a server: what the executor sends for a
/// route, and what `sensor-gateway route` prints.
public enum RouteRequests {
    /// The Argo submission of a route's WorkflowTemplate (the orchestrating template of a hybrid route).
    public struct ArgoSubmission: Sendable, Hashable {
        /// `POST /api/v1/workflows/{namespace}/submit` with the `WorkflowSubmitRequest`.
        public var request: APIRequest
        /// The deterministic workflow name (`submitOptions.name`).
        public var workflowName: String
        /// The namespace it is submitted to.
        public var namespace: String
    }

    /// The submission of `submission`'s template for the firing `identity`, in its namespace or `defaultNamespace`;
    /// with `traceID` (a traced firing), the workflow is annotated with it.
    /// - Throws: ``TriggerError`` when the template cannot be submitted (as ``ArgoRequests/submit(namespace:kind:template:options:)``).
    public static func argo(
        _ submission: ArgoSubmissionTarget, identity: FiringIdentity, defaultNamespace: String, traceID: String? = nil
    ) throws(TriggerError) -> ArgoSubmission {
        let namespace = submission.namespace ?? defaultNamespace
        let name = identity.name(prefix: submission.templateName)
        let kind: ArgoRequests.TemplateKind =
            switch submission.templateKind {
            case .workflowTemplate: .workflowTemplate
            case .clusterWorkflowTemplate: .clusterWorkflowTemplate
            }
        let options = ArgoRequests.SubmitOptions(
            name: name, labels: Dictionary(identity.labels.map { ($0.key, $0.value) }) { first, _ in first },
            annotations: traceID.map { [TriggerTrace.traceIDAnnotation: $0] } ?? [:],
            parameters: submission.parameters.map { ($0.name, $0.value) })
        let request = try ArgoRequests.submit(
            namespace: namespace, kind: kind, template: submission.templateName, options: options)
        return ArgoSubmission(request: request, workflowName: name, namespace: namespace)
    }

    /// The Kubeflow run spec of a route's target: pipeline, version and experiment by name, runtime parameters.
    public static func runSpec(_ run: KubeflowRunTarget) -> KFPRunSpec {
        KFPRunSpec(
            pipeline: .name(run.pipeline), version: run.version.map(KFPReference.name),
            experiment: run.experiment.map(KFPReference.name), runtimeParameters: run.parameters)
    }

    /// The run's deterministic display name for the firing `identity`.
    public static func runDisplayName(_ run: KubeflowRunTarget, identity: FiringIdentity) -> String {
        identity.name(prefix: run.pipeline)
    }

    /// The display name of the run a hybrid route's orchestrating workflow creates: its `kfp-trigger` step names
    /// the run after the event id.
    public static func hybridRunDisplayName(event: Event) -> String {
        event.id
    }

    /// The run creation as it would be sent, for a reader: the server's ids, which the executor looks up by name
    /// when it runs, appear as `<pipeline NAME>`, `<version NAME of PIPELINE>` and `<experiment NAME>`.
    public static func previewRun(_ run: KubeflowRunTarget, displayName: String, version: KFPAPIVersion) -> APIRequest {
        KFPRequests.createRun(
            version, displayName: displayName, pipelineID: "<pipeline \(run.pipeline)>",
            versionID: run.version.map { "<version \($0) of \(run.pipeline)>" },
            experimentID: run.experiment.map { "<experiment \($0)>" }, spec: runSpec(run))
    }
}
