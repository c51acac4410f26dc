extension ResourceType {
    /// The resource type of a well-known kind, without asking the server: the core and workload kinds and the Argo
    /// Workflows and Argo Events kinds. `nil` for any other kind (discovery answers for those).
    public static func wellKnown(apiVersion: String, kind: String) -> ResourceType? {
        wellKnownTable[Key(apiVersion: apiVersion, kind: kind)]
    }

    private struct Key: Hashable {
        var apiVersion: String
        var kind: String
    }

    /// (apiVersion, kind, plural, namespaced).
    private static let wellKnownKinds: [(String, String, String, Bool)] = [
        ("v1", "Pod", "pods", true),
        ("v1", "ConfigMap", "configmaps", true),
        ("v1", "Secret", "secrets", true),
        ("v1", "Service", "services", true),
        ("v1", "ServiceAccount", "serviceaccounts", true),
        ("v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
        ("v1", "Event", "events", true),
        ("v1", "Endpoints", "endpoints", true),
        ("v1", "Namespace", "namespaces", false),
        ("v1", "Node", "nodes", false),
        ("v1", "PersistentVolume", "persistentvolumes", false),
        ("apps/v1", "Deployment", "deployments", true),
        ("apps/v1", "StatefulSet", "statefulsets", true),
        ("apps/v1", "DaemonSet", "daemonsets", true),
        ("apps/v1", "ReplicaSet", "replicasets", true),
        ("batch/v1", "Job", "jobs", true),
        ("batch/v1", "CronJob", "cronjobs", true),
        ("networking.k8s.io/v1", "Ingress", "ingresses", true),
        ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", true),
        ("rbac.authorization.k8s.io/v1", "Role", "roles", true),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", true),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false),
        ("argoproj.io/v1alpha1", "Workflow", "workflows", true),
        ("argoproj.io/v1alpha1", "WorkflowTemplate", "workflowtemplates", true),
        ("argoproj.io/v1alpha1", "ClusterWorkflowTemplate", "clusterworkflowtemplates", false),
        ("argoproj.io/v1alpha1", "CronWorkflow", "cronworkflows", true),
        ("argoproj.io/v1alpha1", "WorkflowTaskSet", "workflowtasksets", true),
        ("argoproj.io/v1alpha1", "WorkflowTaskResult", "workflowtaskresults", true),
        ("argoproj.io/v1alpha1", "WorkflowArtifactGCTask", "workflowartifactgctasks", true),
        ("argoproj.io/v1alpha1", "WorkflowEventBinding", "workfloweventbindings", true),
        ("argoproj.io/v1alpha1", "Sensor", "sensors", true),
        ("argoproj.io/v1alpha1", "EventSource", "eventsources", true),
        ("argoproj.io/v1alpha1", "EventBus", "eventbus", true),
    ]

    private static let wellKnownTable: [Key: ResourceType] = Dictionary(
        uniqueKeysWithValues: wellKnownKinds.map { apiVersion, kind, plural, namespaced in
            let (group, version) = split(apiVersion: apiVersion)
            return (
                Key(apiVersion: apiVersion, kind: kind),
                ResourceType(group: group, version: version, kind: kind, plural: plural, namespaced: namespaced)
            )
        })
}
