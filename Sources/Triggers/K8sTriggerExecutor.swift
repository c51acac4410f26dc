import EventModel
import Foundation
import Kubernetes
import SensorEngine
import SensorModel

/// The `k8s` trigger: creates, updates, patches or deletes any Kubernetes resource through the Kubernetes API, as
/// Argo Events does, idempotently: a created object without a `metadata.name` is named after the firing, and every
/// created object carries the firing label, so a 409 is confirmed as this firing's (already done) or someone
/// else's. Then `policy.k8s` waits for the resource's labels. Without a Kubernetes API the request goes to the
/// outbox, or fails when there is none either.
struct K8sTriggerExecutor: TriggerKindExecutor {
    /// The `engine` label of what it executes.
    static let engine = "kubernetes"
    /// How many times an update reads the live object again after a stale `resourceVersion`.
    static let conflictAttempts = 5
    let context: TriggerContext
    /// Reads `source.url` and `source.file`.
    let argo: ArgoWorkflowExecutor

    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        guard case .k8s(let k8sTrigger) = firing.trigger.kind else {
            return TriggerExecution(
                .permanent(reason: "trigger \(firing.trigger.name) is not a k8s trigger"), engine: Self.engine)
        }
        var target: (type: ResourceType, namespace: String?, name: String)?
        let outcome = await context.withRetries(RetryPolicy(firing.trigger.retryStrategy)) { () async -> Attempt in
            do throws(AttemptEnd) {
                let resolved = try await resolve(firing, k8sTrigger)
                guard let client = context.configuration.kubernetes else { return writeOutbox(resolved, firing) }
                let calls = KubernetesCalls(client: client)
                let type = try await calls.resourceType(apiVersion: resolved.apiVersion, kind: resolved.kind)
                let namespace = calls.namespace(of: type, resolved.namespace)
                let result = try await execute(resolved, firing, type: type, namespace: namespace, calls: calls)
                target = result.object.map { (type, namespace, $0) }
                return result.attempt
            } catch {
                return error.attempt
            }
        }
        guard let policy = firing.trigger.resourceLabelPolicy, let target, let client = context.configuration.kubernetes
        else { return TriggerExecution(outcome, engine: Self.engine) }
        let calls = KubernetesCalls(client: client)
        let waited = await ResourceLabelWait(policy: policy, context: context).after(
            outcome, what: KubernetesCalls.describe(target.type, target.namespace, target.name)
        ) { () async throws(AttemptEnd) -> EventValue in
            guard let object = try await calls.get(target.type, namespace: target.namespace, name: target.name) else {
                throw .permanent(
                    "policy.k8s: \(KubernetesCalls.describe(target.type, target.namespace, target.name)) is gone")
            }
            return object
        }
        return TriggerExecution(waited, engine: Self.engine)
    }

    /// The trigger's object for the firing: fetched (`source.url`, `source.file`), parameters applied, checked.
    private func resolve(_ firing: TriggerFiring, _ k8sTrigger: K8sTrigger) async throws(AttemptEnd)
        -> ResolvedResource
    {
        let trigger = firing.trigger
        let fetched = try await argo.fetchResource(firing)
        let resolved: ResolvedResource?
        do {
            resolved = try trigger.resolvedResource(events: firing.events, sensor: firing.sensor, fetched: fetched)
        } catch {
            throw .permanent("trigger \(trigger.name): \(error)")
        }
        guard let resolved else { throw .permanent("trigger \(trigger.name) has no Kubernetes resource") }
        do { try K8sRequest.check(resolved) } catch { throw .permanent("trigger \(trigger.name): \(error)") }
        return resolved
    }

    /// One attempt of the operation; `object` names what `policy.k8s` reads afterwards (nothing after a delete).
    private func execute(
        _ resolved: ResolvedResource, _ firing: TriggerFiring, type: ResourceType, namespace: String?,
        calls: KubernetesCalls
    ) async throws(AttemptEnd) -> (attempt: Attempt, object: String?) {
        let name = resolved.name ?? ""
        switch resolved.operation {
        case .create:
            guard
                let created = KubernetesObjects.created(
                    resolved.resource, identity: firing.identity, actionTimestamp: Self.actionTimestamp())
            else { throw .permanent("the \(resolved.kind) resource is not a mapping") }
            let attempt = try await calls.create(
                type, namespace: namespace, object: created.object, name: created.name, identity: firing.identity,
                readFirst: firing.isRepeat)
            return (attempt, created.name)
        case .update:
            return (try await update(resolved, firing, type: type, namespace: namespace, calls: calls), name)
        case .patch:
            return (try await patch(resolved, firing, type: type, namespace: namespace, calls: calls), name)
        case .delete:
            let what = KubernetesCalls.describe(type, namespace, name)
            do {
                try await calls.client.delete(type, namespace: namespace, name: name)
                return (.done(.succeeded(detail: what + " deleted")), nil)
            } catch {
                guard error.kind == .notFound else { throw KubernetesCalls.end(error) }
                return (.done(.alreadyDone(detail: what + " does not exist")), nil)
            }
        }
    }

    /// Reads the live object, merges the resolved one over it (or, with `liveObject`, applies the parameters to
    /// it) and replaces it with the `resourceVersion` read; a stale one is read again. A missing object is created.
    private func update(
        _ resolved: ResolvedResource, _ firing: TriggerFiring, type: ResourceType, namespace: String?,
        calls: KubernetesCalls
    ) async throws(AttemptEnd) -> Attempt {
        let name = resolved.name ?? ""
        let what = KubernetesCalls.describe(type, namespace, name)
        for _ in 0..<Self.conflictAttempts {
            guard let live = try await calls.get(type, namespace: namespace, name: name) else {
                return try await createMissing(resolved, firing, type: type, namespace: namespace, calls: calls)
            }
            var object: EventValue
            if resolved.liveObject {
                object = live
                do { try firing.trigger.applyResourceParameters(events: firing.events, to: &object) } catch {
                    throw .permanent("trigger \(firing.trigger.name): \(error)")
                }
            } else {
                object = KubernetesObjects.merged(resolved.resource, over: live)
            }
            let resourceVersion = live["metadata"]?["resourceVersion"] ?? .null
            object = KubernetesObjects.merged(["metadata": ["resourceVersion": resourceVersion]], over: object)
            do {
                _ = try await calls.client.update(type, namespace: namespace, object: object)
                return .done(.succeeded(detail: what + " updated"))
            } catch {
                guard error.kind == .conflict else { throw KubernetesCalls.end(error) }
            }
        }
        return .retry(
            reason: "\(what) changed under each of \(Self.conflictAttempts) updates (409 Conflict)", after: nil,
            kind: .general)
    }

    /// Patches the live object with the resolved one as its strategy says (a JSON patch is computed against the
    /// live object); a missing object is created.
    private func patch(
        _ resolved: ResolvedResource, _ firing: TriggerFiring, type: ResourceType, namespace: String?,
        calls: KubernetesCalls
    ) async throws(AttemptEnd) -> Attempt {
        let name = resolved.name ?? ""
        guard let live = try await calls.get(type, namespace: namespace, name: name) else {
            return try await createMissing(resolved, firing, type: type, namespace: namespace, calls: calls)
        }
        let strategy: PatchStrategy
        let body: EventValue
        switch resolved.patchStrategy {
        case .merge: (strategy, body) = (.merge, resolved.resource)
        case .strategicMerge: (strategy, body) = (.strategicMerge, resolved.resource)
        case .json: (strategy, body) = (.json, .array(KubernetesObjects.jsonPatch(resolved.resource, against: live)))
        }
        do {
            _ = try await calls.client.patch(type, namespace: namespace, name: name, patch: body, strategy: strategy)
            return .done(.succeeded(detail: KubernetesCalls.describe(type, namespace, name) + " patched"))
        } catch {
            throw KubernetesCalls.end(error)
        }
    }

    /// An update or patch of a missing object creates it, labelled with the firing; a create racing another
    /// (AlreadyExists) is retried, which then updates or patches.
    private func createMissing(
        _ resolved: ResolvedResource, _ firing: TriggerFiring, type: ResourceType, namespace: String?,
        calls: KubernetesCalls
    ) async throws(AttemptEnd) -> Attempt {
        guard
            let created = KubernetesObjects.created(
                resolved.resource, identity: firing.identity, actionTimestamp: Self.actionTimestamp())
        else { throw .permanent("the \(resolved.kind) resource is not a mapping") }
        do {
            _ = try await calls.client.create(type, namespace: namespace, object: created.object)
            return .done(.succeeded(detail: KubernetesCalls.describe(type, namespace, created.name) + " created"))
        } catch {
            guard error.kind == .alreadyExists else { throw KubernetesCalls.end(error) }
            return .retry(
                reason: "\(KubernetesCalls.describe(type, namespace, created.name)) appeared while being created",
                after: nil, kind: .general)
        }
    }

    /// Without a Kubernetes API: the request goes to the outbox when one is configured, else the firing fails.
    private func writeOutbox(_ resolved: ResolvedResource, _ firing: TriggerFiring) -> Attempt {
        let request: K8sRequest
        do {
            request = try K8sRequest.request(
                resolved, identity: firing.identity, defaultNamespace: "{kubernetes.namespace}",
                actionTimestamp: Self.actionTimestamp())
        } catch {
            return .done(.permanent(reason: "trigger \(firing.trigger.name): \(error)"))
        }
        // A created object is named after the firing already; any other is named by the sensor.
        let name =
            request.name.hasSuffix(firing.identity.id) ? request.name : firing.identity.name(prefix: request.name)
        return context.writeOutbox(
            Outbox.Record(
                engine: Self.engine, name: name, method: request.method,
                url: "{kubernetes.server}" + request.path, headers: [("Content-Type", request.contentType)],
                body: request.body, identity: firing.identity),
            what: "\(resolved.kind) \(request.name)", missing: TriggerContext.kubernetesSetting)
    }

    /// Argo Events' action-timestamp label: milliseconds since 1970, now.
    static func actionTimestamp() -> String {
        String(Int64(Date().timeIntervalSince1970 * 1000))
    }
}
