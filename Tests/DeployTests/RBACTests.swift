import Foundation
import Testing

/// deploy/rbac and deploy/argo: the Argo token's account may submit in every namespace the routes and sensors name,
/// the templates apply into their routes' namespaces and run as accounts that exist, and the checks fail on the
/// mistakes they are for.
@Suite("deploy/rbac and deploy/argo", .serialized)
struct RBACTests {
    static let rbac = "deploy/rbac"
    static let argo = "deploy/argo"
    static let kubeflowExample = "deploy/rbac/kubeflow-multi-user.example.yaml"

    @Test(
        "kubectl kustomize deploy/rbac builds; every object and the multi-user KFP example validate (Kubernetes schemas, strict)"
    )
    func rbacBuildsAndValidates() throws {
        let rendered = try Deploy.render(Self.rbac)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let summary = try Deploy.check(["validate", rendered.path, Self.kubeflowExample])
        #expect(summary.status == 0, "\(summary.transcript)")
        for object in [
            "ClusterRole/sensor-gateway-submit",
            "ClusterRoleBinding/sensor-gateway-read-clusterworkflowtemplates", "RoleBinding/sensor-gateway-submit",
            "ServiceAccount/ml-hybrid-runner", "RoleBinding/sensor-gateway-workflow-executor",
            "RoleBinding/sensor-gateway-pipelines",
        ] {
            #expect(
                summary.output.contains("ok \(object): Kubernetes"), "\(object) not validated:\n\(summary.transcript)")
        }
    }

    /// The gateway's own account, for the features that call the Kubernetes API: one file per grant, applied on
    /// its own, none in the kustomization.
    static let kubernetesAPIExamples = [
        "deploy/rbac/gateway-sensors.example.yaml", "deploy/rbac/gateway-sensors-all-namespaces.example.yaml",
        "deploy/rbac/gateway-kubernetes-triggers.example.yaml",
    ]

    @Test(
        "the RBAC examples of the Kubernetes API features validate (Kubernetes schemas, strict) and bind the gateway's account"
    )
    func kubernetesAPIExamplesValidate() throws {
        let summary = try Deploy.check(["validate"] + Self.kubernetesAPIExamples)
        #expect(summary.status == 0, "\(summary.transcript)")
        for object in [
            "Role/sensor-gateway-sensors", "RoleBinding/sensor-gateway-sensors", "ClusterRole/sensor-gateway-sensors",
            "ClusterRoleBinding/sensor-gateway-sensors", "Role/sensor-gateway-k8s-trigger",
            "Role/sensor-gateway-argo-via-kubernetes", "Role/sensor-gateway-trigger-sources",
            "ClusterRoleBinding/sensor-gateway-read-clusterworkflowtemplates-via-kubernetes",
        ] {
            #expect(
                summary.output.contains("ok \(object): Kubernetes"), "\(object) not validated:\n\(summary.transcript)")
        }
        for file in Self.kubernetesAPIExamples {
            let text = try String(contentsOf: Deploy.root.appendingPathComponent(file), encoding: .utf8)
            #expect(
                text.components(separatedBy: "  - kind: ServiceAccount\n    name: sensor-gateway\n").count - 1
                    == text.components(separatedBy: "\nsubjects:\n").count - 1, "\(file): a binding to another account")
        }
        let rendered = try Deploy.render(Self.rbac)
        defer { try? FileManager.default.removeItem(at: rendered) }
        // deploy/rbac binds the gateway's account for Argo's resources only (the `rbac` check fails on more).
        let applied = try String(contentsOf: rendered, encoding: .utf8)
        #expect(!applied.contains("sensors/status") && !applied.contains("configmaps"))
    }

    @Test(
        "kubectl kustomize deploy/argo renders each route's WorkflowTemplate in the route's namespace; templateRefs resolve"
    )
    func argoTemplatesApplyIntoTheirRoutesNamespaces() throws {
        let templates = try Deploy.render(Self.argo)
        let gateway = try Deploy.render(Deploy.base)
        defer {
            try? FileManager.default.removeItem(at: templates)
            try? FileManager.default.removeItem(at: gateway)
        }
        let result = try Deploy.check(["argo", templates.path, gateway.path])
        #expect(result.status == 0, "\(result.transcript)")
        for line in [
            "ok route hybrid-ml-training: WorkflowTemplate ml-hybrid is in deploy/argo, namespace ml",
            "ok route document-ingestion: WorkflowTemplate document-ingestion is in deploy/argo, namespace docs",
            "ok route batch-inference: WorkflowTemplate batch-inference is in deploy/argo, namespace ml",
            "ok route complex-dag: WorkflowTemplate etl-branching is in deploy/argo, namespace data",
            "ok WorkflowTemplate ml-hybrid (ml): templateRef kfp-trigger resolves in the same namespace",
        ] {
            #expect(result.output.contains(line), "missing \(line):\n\(result.transcript)")
        }
    }

    /// The base's example sensors submit in ml, the overlay's in argo; both builds share the routes (ml, docs, data).
    @Test(
        "deploy/rbac lets the Argo token create, get and list workflows and read templates wherever the build submits",
        arguments: [(Deploy.base, ["argo", "data", "docs", "ml"]), (Deploy.overlay, ["argo", "data", "docs", "ml"])])
    func rbacCoversEveryNamespace(directory: String, namespaces: [String]) throws {
        let (rbac, templates, gateway) = (
            try Deploy.render(Self.rbac), try Deploy.render(Self.argo), try Deploy.render(directory)
        )
        defer { for file in [rbac, templates, gateway] { try? FileManager.default.removeItem(at: file) } }
        let result = try Deploy.check(["rbac", rbac.path, templates.path, gateway.path, Self.kubeflowExample])
        #expect(result.status == 0, "\(result.transcript)")
        let granted = result.output.split(separator: "\n").compactMap { line -> String? in
            let prefix =
                "ok sensor-gateway/sensor-gateway may create, get, list workflows; get workflowtemplates; get cronworkflows in namespace "
            guard line.hasPrefix(prefix) else { return nil }
            return line.dropFirst(prefix.count).split(separator: " ").first.map(String.init)
        }
        #expect(granted == namespaces, "\(result.transcript)")
        #expect(
            result.output.contains("ok sensor-gateway/sensor-gateway may get clusterworkflowtemplates in cluster scope")
        )
        for runner in ["docs/docs-runner", "data/etl-runner", "ml/inference-runner", "ml/ml-hybrid-runner"] {
            #expect(
                result.output.contains("ok \(runner) may create, patch workflowtaskresults"),
                "\(runner):\n\(result.transcript)")
        }
        #expect(
            result.output.contains(
                "binds ml/ml-hybrid-runner (the kfp-trigger step of ml-hybrid) to kubeflow-pipelines-edit"))
    }

    /// The checks above pass on the committed files; these show that each one fails on the mistake it is for.
    @Test(
        "the checks report a namespace without a RoleBinding, a broader grant, a missing runner and a template in the wrong namespace"
    )
    func checksCatchMistakes() throws {
        let (rbac, templates, gateway) = (
            try Deploy.render(Self.rbac), try Deploy.render(Self.argo), try Deploy.render(Deploy.base)
        )
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rbac-mistakes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer {
            for file in [rbac, templates, gateway, scratch] { try? FileManager.default.removeItem(at: file) }
        }
        func mutated(_ file: URL, _ from: String, _ to: String) throws -> String {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.contains(from), "the rendered \(file.lastPathComponent) no longer contains \(from)")
            let copy = scratch.appendingPathComponent("mutated-\(UUID().uuidString).yaml")
            try Data(text.replacingOccurrences(of: from, with: to).utf8).write(to: copy)
            return copy.path
        }
        func rbacCheck(rbac: String, templates: String) throws -> Deploy.Result {
            try Deploy.check(["rbac", rbac, templates, gateway.path, Self.kubeflowExample])
        }

        // The RoleBinding meant for docs lands elsewhere: the document-ingestion route could not submit.
        let unbound = try rbacCheck(
            rbac: try mutated(
                rbac, "  name: sensor-gateway-submit\n  namespace: docs",
                "  name: sensor-gateway-submit\n  namespace: documents"),
            templates: templates.path)
        #expect(unbound.status == 1)
        #expect(
            unbound.errorLines == [
                "error: sensor-gateway/sensor-gateway may not create workflows, get workflows, list workflows, get workflowtemplates, get cronworkflows in namespace docs (route document-ingestion): no binding there grants it"
            ], "\(unbound.transcript)")

        // A grant beyond what the requests need.
        let broad = try rbacCheck(
            rbac: try mutated(
                rbac, "  - workflows\n  verbs:\n  - create", "  - workflows\n  verbs:\n  - delete\n  - create"),
            templates: templates.path)
        #expect(broad.status == 1)
        #expect(
            broad.errorLines == [
                #"error: sensor-gateway/sensor-gateway is granted {"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["delete", "create", "get", "list"]}: more than the gateway's requests need"#
            ], "\(broad.transcript)")

        // A template runs as an account deploy/rbac does not create.
        let runner = try rbacCheck(
            rbac: rbac.path,
            templates: try mutated(templates, "serviceAccountName: docs-runner", "serviceAccountName: docs-writer"))
        #expect(runner.status == 1)
        #expect(
            runner.errorLines == [
                "error: WorkflowTemplate document-ingestion runs as docs/docs-writer, which deploy/rbac does not create"
            ],
            "\(runner.transcript)")

        // A template applied into another namespace than its route submits to.
        let moved = try Deploy.check([
            "argo",
            try mutated(
                templates, "  name: document-ingestion\n  namespace: docs",
                "  name: document-ingestion\n  namespace: documents"),
            gateway.path,
        ])
        #expect(moved.status == 1)
        #expect(
            moved.errorLines == [
                "error: route document-ingestion submits WorkflowTemplate document-ingestion in namespace docs, but deploy/argo renders it in documents"
            ], "\(moved.transcript)")
    }
}
