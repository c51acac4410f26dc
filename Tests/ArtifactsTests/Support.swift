import Artifacts
import EventModel
import Foundation
import HTTPTransport
import LoopbackTesting
import SensorModel
import Synchronization
import Testing
import Triggers

/// A monotonic time that moves only when told.
final class ManualTime: Sendable {
    private let value = Mutex<Duration>(.zero)
    var now: @Sendable () -> Duration { { self.value.withLock { $0 } } }
    func advance(_ duration: Duration) { value.withLock { $0 += duration } }
}

/// ConfigMaps held in memory, counting reads.
final class InMemoryConfigMaps: ConfigMapReading {
    private let state: Mutex<(maps: [String: [String: String]], reads: Int)>

    init(_ maps: [String: [String: String]]) {
        state = Mutex((maps, 0))
    }

    func configMapData(namespace: String, name: String) async throws(ConfigMapReadError) -> [String: String] {
        let found = state.withLock { state -> [String: String]? in
            state.reads += 1
            return state.maps["\(namespace)/\(name)"]
        }
        guard let found else { throw ConfigMapReadError(.notFound, "configmaps \"\(name)\" not found") }
        return found
    }

    func set(_ key: String, _ data: [String: String]) { state.withLock { $0.maps[key] = data } }
    var reads: Int { state.withLock { $0.reads } }
}

/// A temporary directory, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("sg-artifacts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `relative` (directories created).
    func write(_ text: String, to relative: String) throws {
        let url = URL(fileURLWithPath: "\(path)/\(relative)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// A Workflow as a repository, bucket or ConfigMap would hold it.
func workflowYAML(_ generateName: String) -> String {
    """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: \(generateName)-
    spec:
      entrypoint: main
      templates:
        - name: main
          container:
            image: busybox

    """
}

/// The one sensor of `text` (a trigger YAML indented by 4 under `triggers:`).
func sensor(triggers: String, namespace: String = "argo") throws -> Sensor {
    let text = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata:
          name: sources
          namespace: \(namespace)
        spec:
          dependencies:
            - {name: dep, eventSourceName: webhook, eventName: example}
          triggers:

        """ + triggers
    let catalog = SensorLoader.load(text: text, file: "test.yaml")
    guard let sensor = catalog.sensors.first else {
        throw Failure("sensor did not load: \(catalog.findings.map(\.description))")
    }
    return sensor
}

/// An event for dependency `dep`.
func event(_ data: EventValue = ["message": "hello"]) -> [String: Event] {
    [
        "dep": Event(
            id: "e-1", source: "shop", type: "order", subject: "order", dataContentType: "application/json", data: data)
    ]
}

/// Runs `body` with the Argo Server stand-in and an executor sending to it; afterwards, every body the stand-in
/// saw must have been valid. Both are stopped whatever `body` does.
func withArgo(
    _ configure: (inout TriggerConfiguration) -> Void, _ body: (TriggerExecutor, APIStandIn) async throws -> Void
) async throws {
    let server = try APIStandIn()
    var configuration = TriggerConfiguration(argo: .init(server: server.base), random: { 0.5 })
    configure(&configuration)
    var failure: (any Error)?
    do {
        let executor = try TriggerExecutor(configuration: configuration)
        do { try await body(executor, server) } catch { failure = error }
        await executor.shutdown()
        if failure == nil {
            let invalid = try await server.log().filter { !$0.invalid.isEmpty }
            #expect(invalid.isEmpty, "invalid bodies: \(invalid)")
        }
    } catch {
        failure = error
    }
    await server.stop()
    if let failure { throw failure }
}

/// The names of the workflows the stand-in was asked to create.
func createdWorkflows(_ server: APIStandIn) async throws -> [String] {
    try await server.log().filter { $0.method == "POST" }
        .compactMap { $0.body?["workflow"]?["metadata"]?["name"]?.stringValue }
}

/// An ArtifactReader with its own HTTP client, for one test.
func withReader(
    _ configuration: ArtifactReader.Configuration, _ body: (ArtifactReader) async throws -> Void
) async throws {
    let client = try HTTPClient()
    do { try await body(ArtifactReader(configuration: configuration, client: client)) } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
}

/// The error `body` throws, or a failure when it does not throw one.
func artifactError(_ body: () async throws(ArtifactError) -> String) async -> ArtifactError? {
    do {
        let text = try await body()
        Issue.record("expected an error, read \(text.prefix(80))")
        return nil
    } catch {
        return error
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
