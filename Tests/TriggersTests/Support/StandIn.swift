import LoopbackTesting
import Testing
import Triggers

/// Runs `body` with a fresh stand-in and an executor configured for it by `configuration` (given the server's
/// base URL); afterwards, expects that every body the stand-in saw was valid, and stops both.
func withStandIn(
    token: String? = nil, _ configuration: (String) -> TriggerConfiguration,
    _ body: (TriggerExecutor, APIStandIn) async throws -> Void
) async throws {
    let server = try APIStandIn(token: token)
    let executor: TriggerExecutor
    do { executor = try TriggerExecutor(configuration: configuration(server.base)) } catch {
        await server.stop()
        throw error
    }
    do {
        try await body(executor, server)
        let invalid = try await server.log().filter { !$0.invalid.isEmpty }
        #expect(invalid.isEmpty, "invalid bodies: \(invalid)")
    } catch {
        await executor.shutdown()
        await server.stop()
        throw error
    }
    await executor.shutdown()
    await server.stop()
}
