import EventModel
import LoopbackTesting
import SensorEngine
import SensorModel
import Synchronization
import Testing
import Triggers

/// Claims of firings whose target has no idempotency key (a Kubeflow run): two executors sharing one claim store
/// and the KFP stand-in, which logs every request, so "one effect per firing" is a count of its run creates.
@Suite(.serialized)
struct FiringClaimTests {
    /// A claim store with the key-value bucket's semantics (create-if-absent, compare-and-set on the revision); the
    /// bucket itself is tested in `JetStreamTests` and `GatewayTests`.
    final class MemoryClaims: FiringClaims {
        private let records = Mutex<(revision: UInt64, entries: [String: StoredFiringClaim])>((0, [:]))

        func read(_ firing: String) async throws -> StoredFiringClaim? {
            records.withLock { $0.entries[firing] }
        }

        func create(_ firing: String, _ claim: FiringClaim) async throws -> UInt64? {
            records.withLock { state in
                guard state.entries[firing] == nil else { return nil }
                state.revision += 1
                state.entries[firing] = StoredFiringClaim(claim: claim, revision: state.revision)
                return state.revision
            }
        }

        func replace(_ firing: String, _ claim: FiringClaim, expectedRevision: UInt64) async throws -> UInt64? {
            records.withLock { state in
                guard state.entries[firing]?.revision == expectedRevision else { return nil }
                state.revision += 1
                state.entries[firing] = StoredFiringClaim(claim: claim, revision: state.revision)
                return state.revision
            }
        }
    }

    static func configuration(_ base: String, claims: MemoryClaims, replica: String) -> TriggerConfiguration {
        TriggerConfiguration(
            kubeflow: .init(host: base), claims: claims, executionTimeout: .seconds(30), replica: replica,
            claimPollInterval: .milliseconds(50))
    }

    /// Runs `body` with two executors (replicas `a` and `b`) sharing `claims` and one stand-in.
    func withReplicas(
        _ claims: MemoryClaims, _ body: (TriggerExecutor, TriggerExecutor, APIStandIn) async throws -> Void
    ) async throws {
        try await withStandIn({ Self.configuration($0, claims: claims, replica: "a") }) { first, server in
            let second = try TriggerExecutor(
                configuration: Self.configuration(server.base, claims: claims, replica: "b"))
            do { try await body(first, second, server) } catch {
                await second.shutdown()
                throw error
            }
            await second.shutdown()
        }
    }

    static func runCreates(_ server: APIStandIn) async throws -> Int {
        try await server.log().filter { $0.method == "POST" && $0.path == "/apis/v2beta1/runs" }.count
    }

    let kfpSensor: Sensor
    let trigger: Trigger

    init() throws {
        kfpSensor = try sensor(sensorYAML(KubeflowTriggerTests.trigger))
        trigger = try #require(kfpSensor.triggers.first)
    }

    @Test("two replicas execute one firing at once: one run is created, the other replica finds it done")
    func concurrentFiringCreatesOneRun() async throws {
        let claims = MemoryClaims()
        try await withReplicas(claims) { first, second, server in
            // Both look-ups would find no run: each request to the runs API takes a second.
            try await server.delay("/apis/v2beta1/runs", seconds: 1)
            async let one = first.execute(trigger, sensor: kfpSensor, events: event(id: "race"))
            async let two = second.execute(trigger, sensor: kfpSensor, events: event(id: "race"))
            let labels = await [one.label, two.label].sorted()
            #expect(labels == ["already_done", "succeeded"])
            #expect(try await Self.runCreates(server) == 1)
            let id = FiringIdentity(sensor: kfpSensor.name, trigger: trigger.name, events: event(id: "race")).id
            #expect(try await claims.read(id)?.claim.state == .done)
        }
    }

    @Test("a stale claim is taken over, and the takeover finds the run its first owner created")
    func staleClaimIsTakenOver() async throws {
        let claims = MemoryClaims()
        try await withReplicas(claims) { first, second, server in
            #expect(await first.execute(trigger, sensor: kfpSensor, events: event(id: "stale")).label == "succeeded")
            // The first owner died after creating the run, before recording it: its claim stays, and expired.
            let id = FiringIdentity(sensor: kfpSensor.name, trigger: trigger.name, events: event(id: "stale")).id
            let stored = try #require(try await claims.read(id))
            let past = EventTimestamp(seconds: EventTimestamp.now().seconds - 600)
            let dead = FiringClaim(state: .claimed, replica: "a", claimedAt: past, expiresAt: past)
            #expect(try await claims.replace(id, dead, expectedRevision: stored.revision) != nil)

            let outcome = await second.execute(trigger, sensor: kfpSensor, events: event(id: "stale"))
            #expect(outcome.label == "already_done", "\(outcome)")
            #expect(try await Self.runCreates(server) == 1)
            let record = try #require(try await claims.read(id)?.claim)
            #expect(record.state == .done && record.replica == "b")
        }
    }

    @Test("a done firing is already done on a redelivery, without a request")
    func doneClaimSendsNothing() async throws {
        try await withReplicas(MemoryClaims()) { first, second, server in
            #expect(await first.execute(trigger, sensor: kfpSensor, events: event(id: "done")).label == "succeeded")
            let requests = try await server.log().count
            let again = await second.execute(trigger, sensor: kfpSensor, events: event(id: "done"))
            guard case .alreadyDone(let detail) = again else { throw TestError("not already done: \(again)") }
            #expect(detail.contains("was done by a"), "\(detail)")
            #expect(try await server.log().count == requests, "no request to Kubeflow")
        }
    }

    @Test("a retryable failure releases the claim: the redelivery creates the run")
    func retryableFailureReleasesTheClaim() async throws {
        let claims = MemoryClaims()
        try await withReplicas(claims) { first, second, server in
            try await server.fault("/apis/v2beta1/runs", status: 503, method: "POST")
            #expect(await first.execute(trigger, sensor: kfpSensor, events: event(id: "busy")).label == "retryable")
            let id = FiringIdentity(sensor: kfpSensor.name, trigger: trigger.name, events: event(id: "busy")).id
            #expect(try await claims.read(id)?.claim.state == .released)
            #expect(await second.execute(trigger, sensor: kfpSensor, events: event(id: "busy")).label == "succeeded")
            #expect(try await claims.read(id)?.claim.state == .done)
        }
    }

    @Test("an execution past the execution timeout is cancelled, counted retryable and releases its claim")
    func executionTimeoutReleases() async throws {
        let claims = MemoryClaims()
        let configuration = { (base: String) -> TriggerConfiguration in
            var settings = Self.configuration(base, claims: claims, replica: "a")
            settings.executionTimeout = .milliseconds(300)
            return settings
        }
        try await withStandIn(configuration) { executor, server in
            try await server.delay("/apis/v2beta1/runs", seconds: 2)
            let outcome = await executor.execute(trigger, sensor: kfpSensor, events: event(id: "slow"))
            guard case .retryable(let reason, _) = outcome else { throw TestError("not retryable: \(outcome)") }
            #expect(reason.contains("processing.executionTimeout"), "\(reason)")
            let id = FiringIdentity(sensor: kfpSensor.name, trigger: trigger.name, events: event(id: "slow")).id
            #expect(try await claims.read(id)?.claim.state == .released)
        }
    }

    @Test("which triggers claim: Kubeflow runs, k8s creates with a fixed name, http with exactlyOnce")
    func claimingTriggers() async throws {
        let claims = MemoryClaims()
        let http = try sensor(
            sensorYAML(
                """
                    - template:
                        name: call
                        http: {url: "http://127.0.0.1:1/hook", exactlyOnce: true, timeout: 1}
                """))
        let httpTrigger = try #require(http.triggers.first)
        guard case .http(let section) = httpTrigger.kind else { throw TestError("not http") }
        #expect(section.exactlyOnce)
        let executor = try TriggerExecutor(
            configuration: TriggerConfiguration(claims: claims, executionTimeout: .seconds(5), replica: "a"))
        // Nothing listens on port 1: a retryable failure, after the firing was claimed (and then released).
        #expect(await executor.execute(httpTrigger, sensor: http, events: event(id: "h")).label == "retryable")
        let id = FiringIdentity(sensor: http.name, trigger: httpTrigger.name, events: event(id: "h")).id
        #expect(try await claims.read(id)?.claim.state == .released)
        await executor.shutdown()
    }
}
