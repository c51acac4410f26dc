import SensorModel

/// The `k8s` trigger: an Argo Workflow created through the Argo Server, as ``ArgoWorkflowExecutor`` does, under the
/// rule ``SensorModel/ArgoWorkflowTrigger/k8sRefusal(of:)`` (only an `argoproj.io` Workflow). The Sensor's decoder
/// applies it to an inline resource; this applies it to a resource read when the trigger runs.
struct K8sWorkflowExecutor: TriggerKindExecutor {
    let argo: ArgoWorkflowExecutor

    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        guard case .k8sWorkflow(let argoTrigger) = firing.trigger.kind else {
            return TriggerExecution(
                .permanent(reason: "trigger \(firing.trigger.name) is not a k8s trigger"),
                engine: ArgoWorkflowExecutor.engine)
        }
        let outcome = await argo.execute(firing, argoTrigger, admitting: ArgoWorkflowTrigger.k8sRefusal(of:))
        return TriggerExecution(outcome, engine: ArgoWorkflowExecutor.engine)
    }
}
