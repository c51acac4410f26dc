import ConfigReader
import EventModel
import LocalFiles
import SensorEngine
import SensorModel
import SensorTesting
import Testing

/// `source` of `argoWorkflow` and `k8s` triggers: every kind decodes with located findings, and again from JSON when
/// template-level parameters rewrote it.
struct ArtifactLocationTests {
    /// A sensor with one `argoWorkflow` trigger whose `source` is `source` (YAML indented under `source:`).
    static func sensor(source: String, extra: String = "") -> String {
        TriggerKindTests.sensor(
            """
                - template:
                    name: wf
                    argoWorkflow:
                      source:
            \(source)
            \(extra)
            """)
    }

    static func source(of text: String) throws -> (ArtifactLocation, [Finding]) {
        let (sensor, findings) = loadSensor(text)
        let loaded = try #require(sensor, "\(findings.map(\.description))")
        guard case .argoWorkflow(let trigger) = loaded.triggers[0].kind else { throw TestFailure("not argoWorkflow") }
        return (trigger.source, findings)
    }

    @Test func gitWithCredentialsAndTag() throws {
        let (location, findings) = try Self.source(
            of: Self.sensor(
                source: """
                                git:
                                  url: https://github.com/argoproj/argo.git
                                  cloneDirectory: /git/argoproj
                                  creds:
                                    username: {name: github-secret, key: username}
                                    password: {name: github-secret, key: password}
                                  filePath: examples/hello-world.yaml
                                  tag: v2.4.0
                    """))
        #expect(
            location
                == .git(
                    GitArtifact(
                        url: "https://github.com/argoproj/argo.git", revision: .tag("v2.4.0"),
                        filePath: "examples/hello-world.yaml",
                        credentials: .init(
                            username: .init(name: "github-secret", key: "username"),
                            password: .init(name: "github-secret", key: "password")))))
        #expect(
            findings.map(\.description) == [
                "test.yaml:17:31: warning: ignored: spec.triggers[0].template.argoWorkflow.source.git.cloneDirectory (sensor-gateway keeps its own clone of each repository, under the gateway's git cache)"
            ])
    }

    @Test func gitDefaultsToMasterAndTakesSSH() throws {
        let (location, findings) = try Self.source(
            of: Self.sensor(
                source: """
                                git:
                                  url: git@github.com:argoproj/argo.git
                                  sshKeySecret: {name: git-ssh, key: key}
                                  insecureIgnoreHostKey: true
                                  filePath: examples/hello-world.yaml
                    """))
        #expect(findings.isEmpty, "\(findings)")
        #expect(
            location
                == .git(
                    GitArtifact(
                        url: "git@github.com:argoproj/argo.git", revision: .branch("master"),
                        filePath: "examples/hello-world.yaml", sshKeySecret: .init(name: "git-ssh", key: "key"),
                        insecureIgnoreHostKey: true)))
    }

    @Test(arguments: [
        (
            "git: {url: u, filePath: a.yaml, branch: main, tag: v1}",
            "test.yaml:15:64: error: spec.triggers[0].template.argoWorkflow.source.git sets branch and tag: set one of branch, tag, ref"
        ),
        (
            "git: {url: u, filePath: ../etc/passwd}",
            "test.yaml:15:37: error: spec.triggers[0].template.argoWorkflow.source.git.filePath '../etc/passwd' must not contain '..'"
        ),
        (
            "git: {url: u, filePath: a.yaml, filepath: b.yaml}",
            "test.yaml:15:45: error: unknown key spec.triggers[0].template.argoWorkflow.source.git.filepath (did you mean 'filePath'?)"
        ),
        (
            "git: {url: u, filePath: a.yaml, remote: {name: r, urls: [x]}}",
            "test.yaml:15:45: error: not supported: spec.triggers[0].template.argoWorkflow.source.git.remote (an extra remote is not fetched; set url to the repository to read)"
        ),
        (
            "git: {url: u, filePath: a.yaml, creds: {username: {name: s, key: u}}}",
            "test.yaml:15:52: error: spec.triggers[0].template.argoWorkflow.source.git.creds.password is required"
        ),
        (
            "s3: {bucket: {name: b, key: k}, endpoint: 'http://minio:9000'}",
            "test.yaml:15:55: error: spec.triggers[0].template.argoWorkflow.source.s3.endpoint 'http://minio:9000' must be host[:port], without a scheme or path (insecure: true for http)"
        ),
        (
            "s3: {bucket: {name: b, key: k}, endpoint: minio:9000, accessKey: {name: m, key: a}}",
            "test.yaml:15:17: error: spec.triggers[0].template.argoWorkflow.source.s3.secretKey is required with accessKey"
        ),
        (
            "s3: {bucket: {name: b}, endpoint: minio:9000}",
            "test.yaml:15:26: error: spec.triggers[0].template.argoWorkflow.source.s3.bucket.key is required"
        ),
        (
            "configmap: {name: workflows}",
            "test.yaml:15:24: error: spec.triggers[0].template.argoWorkflow.source.configmap.key is required"
        ),
        (
            "{url: {path: 'https://h/w.yaml'}, file: {path: /w.yaml}}",
            "test.yaml:15:53: error: spec.triggers[0].template.argoWorkflow.source sets url and file: set one"
        ),
        (
            "{gti: {url: u}}",
            "test.yaml:15:14: error: unknown key spec.triggers[0].template.argoWorkflow.source.gti (did you mean 'git'?)"
        ),
    ])
    func invalidSourcesAreLocated(source: String, finding: String) {
        let (sensor, findings) = loadSensor(Self.sensor(source: "            " + source))
        #expect(sensor == nil)
        #expect(findings.map(\.description).contains(finding), "\(findings.map(\.description))")
    }

    @Test func s3AndConfigMap() throws {
        let (s3, s3Findings) = try Self.source(
            of: Self.sensor(
                source: """
                                s3:
                                  bucket: {name: workflows, key: hello world.yaml}
                                  endpoint: minio-service.argo-events:9000
                                  insecure: true
                                  accessKey: {key: accesskey, name: artifacts-minio}
                                  secretKey: {key: secretkey, name: artifacts-minio}
                                  events: ["s3:ObjectCreated:Put"]
                    """))
        let expected = S3Artifact(
            bucket: "workflows", key: "hello world.yaml", endpoint: "minio-service.argo-events:9000", insecure: true,
            accessKey: .init(name: "artifacts-minio", key: "accesskey"),
            secretKey: .init(name: "artifacts-minio", key: "secretkey"))
        #expect(s3 == .s3(expected))
        #expect(expected.region == "us-east-1")
        #expect(expected.objectURL == "http://minio-service.argo-events:9000/workflows/hello%20world.yaml")
        #expect(s3Findings.map(\.severity) == [.warning])
        let (configMap, configMapFindings) = try Self.source(
            of: Self.sensor(source: "            configmap: {name: workflow-cm, key: wf, namespace: argo-events}"))
        #expect(configMapFindings.isEmpty)
        #expect(configMap == .configMap(ConfigMapArtifact(name: "workflow-cm", key: "wf", namespace: "argo-events")))
    }

    /// Template-level parameters rewrite `source` (complete-trigger-parameterization.yaml does so for S3): the
    /// location at firing time is decoded from the rewritten template; one that no longer decodes names the
    /// parameter and the field.
    @Test func templateParametersRewriteTheSource() throws {
        let text = TriggerKindTests.sensor(
            """
                - template:
                    name: wf
                    k8s:
                      operation: create
                      source:
                        s3:
                          bucket: {name: REPLACED, key: REPLACED}
                          endpoint: minio:9000
                          insecure: true
                  parameters:
                    - src: {dependencyName: dep, dataKey: bucket}
                      dest: k8s.source.s3.bucket.name
                    - src: {dependencyName: dep, dataKey: key}
                      dest: k8s.source.s3.bucket.key
                    - src: {dependencyName: dep, dataKey: port}
                      dest: k8s.source.s3.endpoint
                      operation: append
            """)
        let (sensor, findings) = loadSensor(text)
        let trigger = try #require(sensor?.triggers.first, "\(findings)")
        let events = ["dep": makeEvent(data: json(#"{"bucket": "workflows", "key": "a/b.yaml", "port": "1"}"#))]
        #expect(
            try trigger.resolvedSource(events: events)
                == .s3(S3Artifact(bucket: "workflows", key: "a/b.yaml", endpoint: "minio:90001", insecure: true)))
        let emptied = ["dep": makeEvent(data: json(#"{"bucket": "", "key": "a/b.yaml", "port": "1"}"#))]
        #expect {
            try trigger.resolvedSource(events: emptied)
        } throws: { error in
            "\(error)"
                == "parameter 'k8s.source.s3.bucket.name, k8s.source.s3.bucket.key, k8s.source.s3.endpoint': "
                + "k8s.source.s3.bucket.name must not be empty"
        }
    }

    /// Without parameters writing into `source`, the location decoded with the Sensor is used as it is.
    @Test func untouchedSourceIsTheDecodedOne() throws {
        let (sensor, findings) = loadSensor(
            Self.sensor(source: "            git: {url: 'file:///r.git', filePath: a.yaml, branch: main}"))
        let trigger = try #require(sensor?.triggers.first, "\(findings)")
        #expect(
            try trigger.resolvedSource(events: [:])
                == .git(GitArtifact(url: "file:///r.git", revision: .branch("main"), filePath: "a.yaml")))
    }

    /// The decoder of JSON takes the same fields as the YAML one.
    @Test func decodesFromJSON() throws {
        let value = json(#"{"git": {"url": "u", "filePath": "w.yaml", "ref": "refs/pull/7/head"}}"#)
        #expect(
            try ArtifactLocation.decode(value, path: "argoWorkflow.source")
                == .git(GitArtifact(url: "u", revision: .ref("refs/pull/7/head"), filePath: "w.yaml")))
        #expect {
            try ArtifactLocation.decode(json(#"{"s3": {"bucket": {"name": "b"}}}"#), path: "k8s.source")
        } throws: { error in
            "\(error)" == "k8s.source.s3.bucket.key is required; k8s.source.s3.endpoint is required"
        }
    }
}
