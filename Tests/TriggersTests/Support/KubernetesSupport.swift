import EventModel
import Foundation
import HTTPTransport
import Kubernetes
import LoopbackTesting
import Testing
import Triggers

/// The token the Kubernetes stand-in expects.
let kubernetesToken = "k8s-test-token"

/// Runs `body` with a fresh Kubernetes stand-in (expecting ``kubernetesToken``) and an executor whose Kubernetes
/// client sends `token` to it, with Argo reached `via` as given; afterwards, expects that every body the stand-in
/// saw was valid, and stops everything.
func withKubernetes(
    token: String = kubernetesToken, via: TriggerConfiguration.Argo.Via = .server,
    clock: any TriggerClock = ManualClock(),
    _ body: (TriggerExecutor, KubernetesStandIn) async throws -> Void
) async throws {
    let standIn = try KubernetesStandIn(token: kubernetesToken)
    let client = try KubernetesClient(
        connection: KubernetesConnection(origin: .explicit, server: standIn.base, token: .value(token)))
    let executor: TriggerExecutor
    do {
        executor = try TriggerExecutor(
            configuration: .init(
                argo: .init(via: via), kubernetes: client,
                artifacts: .init(configMaps: KubernetesConfigMaps(client: client)), clock: clock))
    } catch {
        await client.shutdown()
        await standIn.stop()
        throw error
    }
    func stop() async {
        await executor.shutdown()
        await client.shutdown()
        await standIn.stop()
    }
    do {
        try await body(executor, standIn)
        let invalid = try await standIn.log().filter { !$0.invalid.isEmpty }
        #expect(invalid.isEmpty, "invalid bodies: \(invalid)")
    } catch {
        await stop()
        throw error
    }
    await stop()
}

/// The example sensors of Argo Events, `../shared/upstream/argo-events/sensors` next to the repository.
let upstreamSensors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared/upstream/argo-events/sensors").path
