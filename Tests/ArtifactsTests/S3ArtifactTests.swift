import Artifacts
import EventModel
import Foundation
import LoopbackTesting
import SensorModel
import Testing
import Triggers

/// `source.s3` against moto's S3 server, which checks every request's AWS Signature Version 4: the keys come from
/// the mounted Secret files, a missing object or a wrong key is a permanent error naming bucket and key.
@Suite(.serialized)
struct S3ArtifactTests {
    @Test func readsSignedAndReportsMissingObjectsAndBadKeys() async throws {
        let secrets = try TemporaryDirectory()
        let store = try S3StandIn(
            secretsDirectory: secrets.path, secretName: "artifacts-minio",
            objects: [("workflows", "dir/hello world.yaml", workflowYAML("from-s3"))])
        try await withReader(.init(secretsDirectory: secrets.path)) { (reader) async throws in
            func location(key: String, secretKey: String = "secretkey") -> ArtifactLocation {
                .s3(
                    S3Artifact(
                        bucket: "workflows", key: key, endpoint: store.endpoint, insecure: true,
                        accessKey: .init(name: "artifacts-minio", key: "accesskey"),
                        secretKey: .init(name: "artifacts-minio", key: secretKey)))
            }
            func error(_ location: ArtifactLocation) async -> ArtifactError? {
                await artifactError { () async throws(ArtifactError) -> String in
                    try await reader.read(location, namespace: "argo")
                }
            }
            #expect(
                try await reader.read(location(key: "dir/hello world.yaml"), namespace: "argo")
                    == workflowYAML("from-s3"))

            let missing = await error(location(key: "dir/absent.yaml"))
            #expect(
                missing?.description
                    == "source s3 http://\(store.endpoint)/workflows/dir/absent.yaml: answered 404 (NoSuchKey)")
            #expect(missing?.kind == .notFound && missing?.isRetryable == false)

            try secrets.write("not-the-secret\n", to: "artifacts-minio/wrong")
            let denied = await error(location(key: "dir/hello world.yaml", secretKey: "wrong"))
            #expect(
                denied?.message
                    == "answered 403 (SignatureDoesNotMatch): check accessKey, secretKey and the bucket's policy")
            #expect(denied?.kind == .denied && denied?.isRetryable == false)
            #expect(denied?.description.contains("not-the-secret") == false)

            let unmounted = await error(location(key: "dir/hello world.yaml", secretKey: "absent"))
            #expect(unmounted?.kind == .secret && unmounted?.isRetryable == false)
            #expect(unmounted?.message.hasPrefix("secret artifacts-minio key absent is not mounted") == true)
        }
    }

    @Test func unreachableStoreIsRetryable() async throws {
        try await withReader(.init()) { (reader) async throws in
            // Port 9 (discard) on loopback: nothing listens, the connection is refused.
            let error = await artifactError { () async throws(ArtifactError) -> String in
                try await reader.read(
                    .s3(S3Artifact(bucket: "b", key: "k", endpoint: "127.0.0.1:9", insecure: true)), namespace: "argo")
            }
            #expect(error?.kind == .unavailable && error?.isRetryable == true)
        }
    }

    /// complete-trigger-parameterization.yaml's pattern: template-level parameters name the bucket and key from the
    /// event; the Workflow read from S3 is created. A parameter that empties the bucket fails permanently, naming
    /// the trigger and the field.
    @Test func argoWorkflowFromAParameterizedBucket() async throws {
        let secrets = try TemporaryDirectory()
        let store = try S3StandIn(
            secretsDirectory: secrets.path, secretName: "artifacts-minio",
            objects: [("workflows", "hello-world.yaml", workflowYAML("from-s3"))])
        let sensor = try sensor(
            triggers: """
                    - template:
                        name: s3-workflow
                        argoWorkflow:
                          source:
                            s3:
                              bucket:
                                name: THIS_WILL_BE_REPLACED_BUCKET_FROM_EVENT
                                key: THIS_WILL_BE_REPLACED_KEY_FROM_EVENT
                              endpoint: \(store.endpoint)
                              insecure: true
                              accessKey: {key: accesskey, name: artifacts-minio}
                              secretKey: {key: secretkey, name: artifacts-minio}
                      parameters:
                        - src: {dependencyName: dep, dataKey: bucket}
                          dest: argoWorkflow.source.s3.bucket.name
                        - src: {dependencyName: dep, dataKey: key}
                          dest: argoWorkflow.source.s3.bucket.key
                """)
        try await withArgo({ $0.secretsDirectory = secrets.path }) { executor, server in
            let outcome = await executor.execute(
                sensor.triggers[0], sensor: sensor, events: event(["bucket": "workflows", "key": "hello-world.yaml"]))
            #expect(outcome.label == "succeeded", "\(outcome)")
            #expect(try await createdWorkflows(server).first?.hasPrefix("from-s3-") == true)

            let invalid = await executor.execute(
                sensor.triggers[0], sensor: sensor, events: event(["bucket": "", "key": "hello-world.yaml"]))
            guard case .permanent(let reason) = invalid else {
                throw Failure("expected a permanent failure: \(invalid)")
            }
            #expect(
                reason
                    == "trigger s3-workflow: parameter 'argoWorkflow.source.s3.bucket.name, argoWorkflow.source.s3.bucket.key': "
                    + "argoWorkflow.source.s3.bucket.name must not be empty")
        }
    }
}
