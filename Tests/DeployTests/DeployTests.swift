import Foundation
import Testing

/// deploy/: the kustomize base, overlays and components build, every manifest validates, the Deployment mounts what
/// the in-cluster gateway.yaml names, the NACK resources are specs/jetstream, and the Dockerfile's packages and paths
/// exist.
@Suite("deploy/", .serialized)
struct DeployTests {
    /// Built-in kinds only, so the base applies on a bare cluster: the admin and the event endpoint's Services.
    static let baseKinds = [
        "ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "Service", "Service", "ServiceAccount",
    ]
    /// What the components of the operators overlay add. No NACK Consumer: the gateway creates its per-subject
    /// consumers itself (see `nackMirrorsSpecs`).
    static let operatorKinds = [
        "ConfigMap", "KeyValue", "KeyValue", "PrometheusRule", "ScaledObject", "ServiceMonitor", "Stream", "Stream",
    ]

    @Test("kubectl kustomize deploy/base builds the gateway's resources")
    func baseBuilds() throws {
        let rendered = try Deploy.render(Deploy.base)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let summary = try Deploy.summary(of: rendered)
        #expect(summary.kinds() == Self.baseKinds)
        let deployment = summary.deployment
        #expect(deployment.replicas == 2)
        #expect(deployment.args == ["run", "--config", "/etc/sensor-gateway/gateway.yaml"])
        #expect(deployment.runAsNonRoot)
        #expect(deployment.readOnlyRootFilesystem)
        #expect(deployment.configMapKeys == ["gateway.yaml", "routing.yaml", "sensors.yaml"])
        // Sized for a process under 150 MB: the limit leaves room above it, the request is not below it.
        let request = try #require(Deploy.mebibytes(deployment.memoryRequest))
        let limit = try #require(Deploy.mebibytes(deployment.memoryLimit))
        #expect(request >= 150 && request <= limit && limit <= 256, "memory \(request)Mi request, \(limit)Mi limit")
        #expect(
            summary.sensorNames == ["business-hours-log", "model-promotion", "platform-router", "retrain-pipeline"])
        // The base leaves the namespace to the overlay.
        #expect(summary.resources.allSatisfy { $0.namespace == nil })
    }

    @Test("kubectl kustomize deploy/overlays/example sets the namespace, image, replicas and sensors")
    func overlayBuilds() throws {
        let rendered = try Deploy.render(Deploy.overlay)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let summary = try Deploy.summary(of: rendered)
        #expect(summary.kinds() == (Self.baseKinds + ["Namespace"]).sorted())
        for resource in summary.resources where resource.kind != "Namespace" {
            #expect(resource.namespace == "sensor-gateway", "\(resource.kind)/\(resource.name)")
        }
        #expect(summary.deployment.image == "registry.example.com/platform/sensor-gateway:0.1.0")
        #expect(summary.deployment.replicas == 3)
        #expect(summary.deployment.memoryLimit == "256Mi")
        #expect(summary.deployment.configMapKeys == ["gateway.yaml", "routing.yaml", "sensors.yaml"])
        #expect(summary.sensorNames == ["nightly-report"])
    }

    /// The base mounts no API token; the overlay for the Kubernetes API features mounts the pod's, and changes
    /// nothing else of the example overlay.
    @Test("deploy/overlays/kubernetes-api is the example overlay with the service-account token mounted")
    func kubernetesAPIOverlayMountsTheToken() throws {
        let (example, withToken) = (try Deploy.render(Deploy.overlay), try Deploy.render(Deploy.kubernetesAPIOverlay))
        defer { for file in [example, withToken] { try? FileManager.default.removeItem(at: file) } }
        let exampleText = try String(contentsOf: example, encoding: .utf8)
        let withTokenText = try String(contentsOf: withToken, encoding: .utf8)
        #expect(exampleText.contains("      automountServiceAccountToken: false\n"))
        #expect(
            withTokenText
                == exampleText.replacingOccurrences(
                    of: "      automountServiceAccountToken: false\n",
                    with: "      automountServiceAccountToken: true\n"))
        #expect(try Deploy.summary(of: withToken).kinds() == Deploy.summary(of: example).kinds())
    }

    @Test(
        "deploy/overlays/operators adds the components: ServiceMonitor and alerts, NACK, KEDA, the dashboard; KEDA owns the replica count"
    )
    func operatorsOverlayBuilds() throws {
        let rendered = try Deploy.render(Deploy.operatorsOverlay)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let summary = try Deploy.summary(of: rendered)
        #expect(summary.kinds() == (Self.baseKinds + ["Namespace"] + Self.operatorKinds).sorted())
        for resource in summary.resources where resource.kind != "Namespace" {
            #expect(resource.namespace == "sensor-gateway", "\(resource.kind)/\(resource.name)")
        }
        #expect(summary.deployment.replicas == nil)
        #expect(summary.deployment.image == "registry.example.com/platform/sensor-gateway:0.1.0")
    }

    @Test("deploy/components/hpa: a HorizontalPodAutoscaler on the consumers' lag and CPU owns the replica count")
    func hpaComponentBuilds() throws {
        let rendered = try Deploy.render(base: Deploy.overlay, components: ["deploy/components/hpa"])
        defer { try? FileManager.default.removeItem(at: rendered) }
        let summary = try Deploy.summary(of: rendered)
        #expect(summary.kinds() == (Self.baseKinds + ["HorizontalPodAutoscaler", "Namespace"]).sorted())
        #expect(summary.deployment.replicas == nil)
        let result = try Deploy.check(["validate", rendered.path])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.output.contains("ok HorizontalPodAutoscaler/sensor-gateway: Kubernetes"), "\(result.transcript)")
    }

    @Test(
        "every rendered manifest validates: Kubernetes schemas, or the CRD schemas of Support/schemas",
        arguments: [
            (Deploy.base, [String]()), (Deploy.overlay, []), (Deploy.kubernetesAPIOverlay, []),
            (Deploy.operatorsOverlay, ["ServiceMonitor", "PrometheusRule", "Stream", "KeyValue", "ScaledObject"]),
        ])
    func manifestsValidate(directory: String, customKinds: [String]) throws {
        let rendered = try Deploy.render(directory)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let result = try Deploy.check(["validate", rendered.path])
        #expect(result.status == 0, "\(result.transcript)")
        for kind in ["ServiceAccount", "ConfigMap", "Service", "Deployment", "PodDisruptionBudget", "NetworkPolicy"] {
            #expect(result.output.contains("ok \(kind)/"), "\(kind) not validated:\n\(result.transcript)")
        }
        for kind in customKinds {
            #expect(
                result.output.contains("ok \(kind)/") && result.output.contains("(from its CRD)"),
                "\(kind) not validated:\n\(result.transcript)")
        }
        if customKinds.isEmpty { #expect(!result.output.contains("(from its CRD)"), "\(result.transcript)") }
    }

    @Test(
        "the Deployment mounts every file the in-cluster gateway.yaml names",
        arguments: [Deploy.base, Deploy.overlay, Deploy.kubernetesAPIOverlay])
    func deploymentMountsConfiguredPaths(directory: String) throws {
        let rendered = try Deploy.render(directory)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let result = try Deploy.check(["mounts", rendered.path, "deploy/Dockerfile", "deploy/base/secret.example.yaml"])
        #expect(result.status == 0, "\(result.transcript)")
        for key in [
            "nats.credentialsFile", "sensors", "routing", "argo.tokenFile", "kubeflow.tokenFile",
            "jetstream.specs", "sources.http.tokenFile",
            "admin.listen", "sources.http.listen",
        ] {
            #expect(result.output.contains("ok gateway.yaml \(key) = "), "\(key) not checked:\n\(result.transcript)")
        }
        #expect(result.output.contains("projected service-account token (audience pipelines.kubeflow.org)"))
        #expect(
            result.output.contains(
                "ok gateway.yaml argo.tokenFile = /var/run/secrets/argo/token: projected service-account token (audience of the API server)"
            ), "\(result.transcript)")
        #expect(result.output.contains("container port events, Service sensor-gateway-events"), "\(result.transcript)")
    }

    /// The consumer spec `sensor-gateway` is the template of the per-subject consumers the gateway creates; it has
    /// no NACK Consumer, which would be an orphan nobody binds.
    @Test(
        "the NACK Stream and KeyValue resources equal specs/jetstream field by field; the consumer template has no NACK Consumer"
    )
    func nackMirrorsSpecs() throws {
        let rendered = try Deploy.render(Deploy.operatorsOverlay)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let result = try Deploy.check(["nack", rendered.path, "specs/jetstream"])
        #expect(result.status == 0, "\(result.transcript)")
        // One `ok` line per field of each stream and bucket file: nothing was left uncompared.
        var fields = 0
        let specs = Deploy.root.appendingPathComponent("specs/jetstream")
        for folder in ["streams", "kv"] {
            let directory = specs.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
            where name.hasSuffix(".json") {
                let object = try JSONSerialization.jsonObject(
                    with: Data(contentsOf: directory.appendingPathComponent(name)))
                let dictionary = try #require(object as? [String: Any])
                // Without num_replicas, the automatic count is compared too (with NACK's `replicas: 3`).
                fields += dictionary.count + (dictionary["num_replicas"] == nil ? 1 : 0)
            }
        }
        let lines = result.output.split(separator: "\n").filter { $0.hasPrefix("ok ") }
        let template =
            "ok consumers/events-sensor-gateway.json (Consumer EVENTS/sensor-gateway): template of the per-subject consumers the gateway creates; no NACK Consumer, as intended"
        #expect(lines.contains { $0 == template }, "\(result.transcript)")
        #expect(
            fields > 0 && lines.count == fields + 1, "\(lines.count - 1) fields compared, \(fields) in specs/jetstream")
    }

    @Test(
        "deploy/Dockerfile: Swift bookworm build stage, bookworm-slim runtime, base images by digest, a stripped binary with its debug information kept, packages that exist, copied paths"
    )
    func dockerfile() throws {
        let rendered = try Deploy.render(Deploy.base)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let result = try Deploy.check(["dockerfile", "deploy/Dockerfile", ".", rendered.path])
        #expect(result.status == 0, "\(result.transcript)")
        for package in ["libnats3.4", "libmsgpackc2", "libcurl4", "liblua5.1-0", "libjq1"] {
            #expect(result.output.contains("ok runtime stage package \(package): bookworm has"), "\(result.transcript)")
        }
        #expect(result.output.contains("ok build stage image swift:6.3-bookworm pinned by digest"))
        #expect(result.output.contains("ok runtime stage image debian:bookworm-slim pinned by digest"))
        #expect(result.output.contains("ok build stage strips the binary and keeps its debug information"))
    }

    @Test("deploy/base's copies of config/ files (sensors, routing.yaml) are current")
    func configCopiesAreCurrent() throws {
        let result = try Deploy.check(["sync", "."])
        #expect(result.status == 0, "\(result.transcript)")
    }

    /// The components and the overlay that uses them need kustomize v3.7+ (`components`, `patches`); everything an
    /// installation needs builds with kubectl 1.20.
    @Test("every kustomization but the optional components' uses only fields kubectl 1.20's kustomize v2.0.3 reads")
    func kustomizationsFitKubectl120() throws {
        var files: [String] = []
        let deploy = Deploy.root.appendingPathComponent("deploy")
        let enumerator = FileManager.default.enumerator(atPath: deploy.path)
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix("kustomization.yaml") { files.append("deploy/\(relative)") }
        }
        let newer =
            Deploy.components.map { "\($0)/kustomization.yaml" } + ["\(Deploy.operatorsOverlay)/kustomization.yaml"]
        let kubectl120 = [
            "deploy/argo/kustomization.yaml", "deploy/base/kustomization.yaml",
            "deploy/overlays/example/kustomization.yaml", "deploy/overlays/kubernetes-api/kustomization.yaml",
            "deploy/rbac/kustomization.yaml",
        ]
        #expect(files.sorted() == (kubectl120 + newer).sorted())
        let result = try Deploy.check(["kustomization"] + kubectl120)
        #expect(result.status == 0, "\(result.transcript)")
    }

    /// The checks above pass on the committed files; these show that each one fails on the mistakes it is for.
    @Test(
        "the checks report a drifted NACK field, a NACK stream of one replica where the spec is automatic, an orphan NACK Consumer, wrong token audiences, an unmounted token, an unknown field, a missing package, an unpinned image, an unstripped binary and a kustomize v3 field"
    )
    func checksCatchMistakes() throws {
        let rendered = try Deploy.render(Deploy.operatorsOverlay)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let text = try String(contentsOf: rendered, encoding: .utf8)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "deploy-mistakes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        func mutated(_ from: String, _ to: String) throws -> String {
            #expect(text.contains(from), "the rendered base no longer contains \(from)")
            let file = scratch.appendingPathComponent("mutated-\(UUID().uuidString).yaml")
            try Data(text.replacingOccurrences(of: from, with: to).utf8).write(to: file)
            return file.path
        }

        let drift = try Deploy.check(["nack", try mutated("maxAge: 168h", "maxAge: 167h"), "specs/jetstream"])
        #expect(drift.status == 1)
        #expect(
            drift.errorLines == [
                "error: streams/events.json (Stream EVENTS): max_age = \"168h\" in specs/jetstream, spec.maxAge = \"167h\""
            ])

        let single = try Deploy.check([
            "nack", try mutated("  name: EVENTS\n  replicas: 3", "  name: EVENTS\n  replicas: 1"), "specs/jetstream",
        ])
        #expect(single.status == 1)
        #expect(
            single.errorLines == [
                "error: streams/events.json (Stream EVENTS): num_replicas automatic (min(3, cluster size)) in specs/jetstream, spec.replicas = 1, expected 3 (a cluster of three)"
            ], "\(single.transcript)")

        let orphan = scratch.appendingPathComponent("orphan-\(UUID().uuidString).yaml")
        try Data(
            (text + """
                ---
                apiVersion: jetstream.nats.io/v1beta2
                kind: Consumer
                metadata: {name: events-sensor-gateway}
                spec: {streamName: EVENTS, durableName: sensor-gateway, filterSubject: "events.>", ackPolicy: explicit}

                """).utf8
        ).write(to: orphan)
        let orphaned = try Deploy.check(["nack", orphan.path, "specs/jetstream"])
        #expect(orphaned.status == 1)
        #expect(
            orphaned.errorLines.count == 1 && orphaned.errorLines[0].contains("would be an orphan"),
            "\(orphaned.transcript)")

        let audience = try Deploy.check([
            "mounts", try mutated("audience: pipelines.kubeflow.org", "audience: kubernetes.default.svc"),
            "deploy/Dockerfile", "deploy/base/secret.example.yaml",
        ])
        #expect(audience.status == 1)
        #expect(
            audience.errorLines.count == 1 && audience.errorLines[0].contains("KFP expects pipelines.kubeflow.org"),
            "\(audience.transcript)")

        let unmounted = try Deploy.check([
            "mounts", try mutated("mountPath: /var/run/secrets/argo", "mountPath: /var/run/secrets/argo-token"),
            "deploy/Dockerfile", "deploy/base/secret.example.yaml",
        ])
        #expect(unmounted.status == 1)
        #expect(
            unmounted.errorLines == [
                "error: gateway.yaml argo.tokenFile = /var/run/secrets/argo/token: no volume is mounted there and the image does not provide it"
            ])

        let typo = try Deploy.check(["validate", try mutated("scrapeTimeout: 10s", "scrapeTimeOut: 10s")])
        #expect(typo.status == 1)
        #expect(
            typo.errorLines.count == 1 && typo.errorLines[0].contains("ServiceMonitor/sensor-gateway"),
            "\(typo.transcript)")

        let dockerfile = try String(
            contentsOf: Deploy.root.appendingPathComponent("deploy/Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("libmsgpackc2 "))
        let badDockerfile = scratch.appendingPathComponent("Dockerfile-\(UUID().uuidString)")
        try Data(dockerfile.replacingOccurrences(of: "libmsgpackc2 ", with: "libmsgpackc2 libmsgpack-runtime9 ").utf8)
            .write(to: badDockerfile)
        let package = try Deploy.check(["dockerfile", badDockerfile.path, ".", rendered.path])
        #expect(package.status == 1)
        #expect(
            package.errorLines == [
                "error: runtime stage package libmsgpack-runtime9: apt-cache policy finds no candidate (after `apt-get update`?)"
            ], "\(package.transcript)")

        // The Argo token with an audience the Kubernetes API would refuse.
        let argoAudience = try Deploy.check([
            "mounts",
            try mutated(
                "          - serviceAccountToken:\n              expirationSeconds: 3600\n",
                "          - serviceAccountToken:\n              audience: argo\n              expirationSeconds: 3600\n"
            ),
            "deploy/Dockerfile", "deploy/base/secret.example.yaml",
        ])
        #expect(argoAudience.status == 1)
        #expect(
            argoAudience.errorLines.count == 1
                && argoAudience.errorLines[0].contains(
                    "argo.tokenFile = /var/run/secrets/argo/token: projected token audience is 'argo'"),
            "\(argoAudience.transcript)")

        // A base image by tag alone, and a binary shipped with its debug information.
        let unpinnedDockerfile = scratch.appendingPathComponent("Dockerfile-\(UUID().uuidString)")
        try Data(
            dockerfile.replacingOccurrences(
                of: "FROM ${RUNTIME_IMAGE}@${RUNTIME_IMAGE_DIGEST}", with: "FROM ${RUNTIME_IMAGE}"
            )
            .replacingOccurrences(of: "--only-keep-debug", with: "--keep-everything").utf8
        ).write(to: unpinnedDockerfile)
        let unpinned = try Deploy.check(["dockerfile", unpinnedDockerfile.path, ".", rendered.path])
        #expect(unpinned.status == 1)
        #expect(
            unpinned.errorLines == [
                "error: runtime stage image debian:bookworm-slim: not pinned by digest (image@sha256:… or @${…_DIGEST})",
                "error: build stage does not strip the binary with its debug information kept separately (objcopy)",
            ], "\(unpinned.transcript)")

        let kustomization = scratch.appendingPathComponent("kustomization-\(UUID().uuidString).yaml")
        try Data("resources: [deployment.yaml]\nreplicas: [{name: sensor-gateway, count: 3}]\n".utf8).write(
            to: kustomization)
        let newer = try Deploy.check(["kustomization", kustomization.path])
        #expect(newer.status == 1)
        #expect(newer.errorLines.count == 1 && newer.errorLines[0].contains("replicas: not known to kubectl 1.20"))
    }
}
