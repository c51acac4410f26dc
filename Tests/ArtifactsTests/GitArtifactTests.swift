import Artifacts
import EventModel
import Foundation
import LoopbackTesting
import SensorModel
import Testing
import Triggers

/// `source.git` against a bare repository the test creates and pushes to, through `file://` URLs: the clone is
/// cached, fetched again only after the fetch interval, checked out at the branch, tag or ref.
@Suite(.requires(GitRepository.gitAvailable, "git not found on PATH: run make deps (Debian package git)"))
struct GitArtifactTests {
    @Test func readsABranchATagAndARef() async throws {
        let repository = try GitRepository()
        try repository.commit(["workflows/hello.yaml": workflowYAML("first")], tag: "v1")
        try repository.commit(["workflows/hello.yaml": workflowYAML("second")])
        let cache = try TemporaryDirectory()
        try await withReader(.init(gitCacheDirectory: cache.path)) { (reader) async throws in
            func read(_ revision: GitArtifact.Revision) async throws -> String {
                try await reader.read(
                    .git(GitArtifact(url: repository.url, revision: revision, filePath: "workflows/hello.yaml")),
                    namespace: "argo")
            }
            #expect(try await read(.branch("master")).contains("generateName: second-"))
            #expect(try await read(.tag("v1")).contains("generateName: first-"))
            #expect(try await read(.ref("refs/tags/v1")).contains("generateName: first-"))
            #expect(try await read(.ref("refs/heads/master")).contains("generateName: second-"))
        }
    }

    @Test func aNewCommitIsReadAfterTheFetchInterval() async throws {
        let repository = try GitRepository()
        try repository.commit(["hello.yaml": workflowYAML("first")])
        let cache = try TemporaryDirectory()
        let time = ManualTime()
        let configuration = ArtifactReader.Configuration(
            gitCacheDirectory: cache.path, gitFetchInterval: .seconds(60), now: time.now)
        try await withReader(configuration) { (reader) async throws in
            let location = ArtifactLocation.git(GitArtifact(url: repository.url, filePath: "hello.yaml"))
            #expect(try await reader.read(location, namespace: "argo").contains("first-"))
            try repository.commit(["hello.yaml": workflowYAML("second")])
            time.advance(.seconds(59))
            #expect(try await reader.read(location, namespace: "argo").contains("first-"), "the clone is reused")
            time.advance(.seconds(1))
            #expect(try await reader.read(location, namespace: "argo").contains("second-"))
        }
    }

    @Test func missingFileOrRevisionIsPermanentAndAFailedFetchRetryable() async throws {
        let repository = try GitRepository()
        try repository.commit(["hello.yaml": workflowYAML("first")])
        let cache = try TemporaryDirectory()
        try await withReader(.init(gitCacheDirectory: cache.path)) { (reader) async throws in
            func error(_ artifact: GitArtifact) async -> ArtifactError? {
                await artifactError { () async throws(ArtifactError) -> String in
                    try await reader.read(.git(artifact), namespace: "argo")
                }
            }
            let missingFile = await error(GitArtifact(url: repository.url, filePath: "workflows/absent.yaml"))
            #expect(
                missingFile?.description
                    == "source git \(repository.url) branch master filePath workflows/absent.yaml: "
                    + "the repository has no file workflows/absent.yaml")
            #expect(missingFile?.isRetryable == false)
            let missingBranch = await error(
                GitArtifact(url: repository.url, revision: .branch("main"), filePath: "hello.yaml"))
            #expect(missingBranch?.message == "the repository has no branch main")
            #expect(missingBranch?.isRetryable == false)
            let unreachable = await error(GitArtifact(url: repository.url + "-absent", filePath: "hello.yaml"))
            #expect(unreachable?.kind == .unavailable && unreachable?.isRetryable == true)
            #expect(unreachable?.message.hasPrefix("git fetch failed: ") == true, "\(String(describing: unreachable))")
        }
    }

    /// HTTPS credentials are read from the Secret files; a missing one is a permanent error naming the Secret and
    /// key, before git runs.
    @Test func missingCredentialSecretIsNamed() async throws {
        let secrets = try TemporaryDirectory()
        let cache = try TemporaryDirectory()
        try await withReader(.init(secretsDirectory: secrets.path, gitCacheDirectory: cache.path)) {
            (reader) async throws in
            let artifact = GitArtifact(
                url: "https://git.example.com/workflows.git", filePath: "hello.yaml",
                credentials: .init(
                    username: .init(name: "github-secret", key: "username"),
                    password: .init(name: "github-secret", key: "password")))
            try secrets.write("robot\n", to: "github-secret/username")
            let error = await artifactError { () async throws(ArtifactError) -> String in
                try await reader.read(.git(artifact), namespace: "argo")
            }
            #expect(error?.kind == .secret && error?.isRetryable == false)
            #expect(
                error?.message
                    == "secret github-secret key password is not mounted: \(secrets.path)/github-secret/password "
                    + "cannot be read (see docs/deploying.md)")
        }
    }

    /// trigger-source-git.yaml's first trigger, pointed at the test's repository: the Workflow of the tag is created.
    @Test func argoWorkflowFromARepository() async throws {
        let repository = try GitRepository()
        try repository.commit(["examples/hello-world.yaml": workflowYAML("from-git")], tag: "v2.4.0")
        let cache = try TemporaryDirectory()
        let sensor = try sensor(
            triggers: """
                    - template:
                        name: workflow-trigger-1
                        argoWorkflow:
                          operation: submit
                          source:
                            git:
                              url: "\(repository.url)"
                              cloneDirectory: "/git/argoproj"
                              filePath: "examples/hello-world.yaml"
                              tag: "v2.4.0"
                          parameters:
                            - src: {dependencyName: dep, dataKey: message}
                              dest: metadata.annotations.message
                """)
        try await withArgo({ $0.artifacts.gitCacheDirectory = cache.path }) { executor, server in
            let outcome = await executor.execute(sensor.triggers[0], sensor: sensor, events: event())
            #expect(outcome.label == "succeeded", "\(outcome)")
            let created = try await server.log().filter { $0.method == "POST" }
            #expect(created.count == 1)
            #expect(created.first?.body?["workflow"]?["metadata"]?["annotations"]?["message"] == "hello")
            #expect(try await createdWorkflows(server).first?.hasPrefix("from-git-") == true)
        }
    }
}

/// A bare repository in a temporary directory, and a work tree that commits and pushes to it.
struct GitRepository {
    static let gitAvailable = (try? run(["--version"])) != nil

    private let directory: TemporaryDirectory
    /// `file://…/remote.git`.
    var url: String { "file://\(directory.path)/remote.git" }

    init() throws {
        directory = try TemporaryDirectory()
        try Self.run(["init", "--quiet", "--bare", "\(directory.path)/remote.git"])
        try Self.run(["init", "--quiet", "\(directory.path)/work"])
    }

    /// Writes `files`, commits them, tags the commit when asked, and pushes to `master` (and the tag).
    func commit(_ files: [String: String], tag: String? = nil) throws {
        let work = "\(directory.path)/work"
        for (path, text) in files { try directory.write(text, to: "work/\(path)") }
        try Self.run(["-C", work, "add", "--all"])
        try Self.run([
            "-C", work, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "c",
        ])
        if let tag { try Self.run(["-C", work, "tag", tag]) }
        try Self.run(["-C", work, "push", "--quiet", "--force", "--tags", url, "HEAD:refs/heads/master"])
    }

    @discardableResult
    private static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure("git \(arguments.joined(separator: " ")): \(output)")
        }
        return output
    }
}
