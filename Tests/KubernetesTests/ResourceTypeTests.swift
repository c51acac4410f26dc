import Kubernetes
import Testing

@Suite("Resource types and their paths")
struct ResourceTypeTests {
    @Test(
        "paths of core, named-group and cluster-scoped kinds",
        arguments: [
            ("v1", "Pod", "argo", "p", nil, "/api/v1/namespaces/argo/pods/p"),
            ("v1", "ConfigMap", "argo", nil, nil, "/api/v1/namespaces/argo/configmaps"),
            ("v1", "Pod", nil, nil, nil, "/api/v1/pods"),
            ("batch/v1", "Job", "ci", "build", nil, "/apis/batch/v1/namespaces/ci/jobs/build"),
            (
                "argoproj.io/v1alpha1", "Workflow", "argo", "w", "status",
                "/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/w/status"
            ),
            ("v1", "Namespace", "ignored", "team-a", nil, "/api/v1/namespaces/team-a"),
            (
                "argoproj.io/v1alpha1", "ClusterWorkflowTemplate", "argo", "t", nil,
                "/apis/argoproj.io/v1alpha1/clusterworkflowtemplates/t"
            ),
        ] as [(String, String, String?, String?, String?, String)])
    func paths(
        apiVersion: String, kind: String, namespace: String?, name: String?, subresource: String?, expected: String
    ) throws {
        let type = try #require(ResourceType.wellKnown(apiVersion: apiVersion, kind: kind))
        #expect(type.apiVersion == apiVersion)
        #expect(type.path(namespace: namespace, name: name, subresource: subresource) == expected)
    }

    @Test("the built-in table knows the workload and Argo kinds, and nothing it cannot know")
    func table() {
        #expect(ResourceType.wellKnown(apiVersion: "apps/v1", kind: "Deployment")?.plural == "deployments")
        #expect(ResourceType.wellKnown(apiVersion: "argoproj.io/v1alpha1", kind: "EventBus")?.plural == "eventbus")
        #expect(ResourceType.wellKnown(apiVersion: "v1", kind: "Namespace")?.namespaced == false)
        #expect(ResourceType.wellKnown(apiVersion: "example.com/v1", kind: "Widget") == nil)
        #expect(ResourceType.wellKnown(apiVersion: "v2", kind: "Pod") == nil)
    }
}
