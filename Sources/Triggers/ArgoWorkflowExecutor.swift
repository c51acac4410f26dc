import Artifacts
import ConfigReader
import EventModel
import Foundation
import HTTPTransport
import SensorEngine
import SensorModel

/// The `argoWorkflow` trigger: creates the workflow named after the firing and labelled with it (a 409 is
/// confirmed through the label), submits from a template, or runs a lifecycle operation on a named workflow,
/// through the Argo Server (or, with `argo.via: kubernetes`, ``ArgoViaKubernetes``); without one, writes the request
/// to the outbox. Then `policy.k8s` waits for the workflow's labels.
struct ArgoWorkflowExecutor: TriggerKindExecutor {
    /// The `engine` label of what it executes.
    static let engine = "argo"
    let context: TriggerContext

    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        guard case .argoWorkflow(let argoTrigger) = firing.trigger.kind else {
            return TriggerExecution(
                .permanent(reason: "trigger \(firing.trigger.name) is not an argoWorkflow trigger"),
                engine: Self.engine)
        }
        var target: (namespace: String, name: String)?
        let outcome = await context.withRetries(RetryPolicy(firing.trigger.retryStrategy)) { () async -> Attempt in
            let result = await attempt(firing, argoTrigger)
            target = result.workflow
            return result.attempt
        }
        // A request written to the outbox created nothing to read.
        let readable =
            context.configuration.argo.via == .kubernetes
            ? context.configuration.kubernetes != nil : context.argo != nil
        guard let policy = firing.trigger.resourceLabelPolicy, let target, readable else {
            return TriggerExecution(outcome, engine: Self.engine)
        }
        let waited = await ResourceLabelWait(policy: policy, context: context).after(
            outcome, what: "workflow \(target.namespace)/\(target.name)"
        ) { () async throws(AttemptEnd) -> EventValue in
            try await readWorkflow(namespace: target.namespace, name: target.name)
        }
        return TriggerExecution(waited, engine: Self.engine)
    }

    /// One attempt, and the workflow it created or acted on (for `policy.k8s`).
    private func attempt(_ firing: TriggerFiring, _ argoTrigger: ArgoWorkflowTrigger) async -> (
        attempt: Attempt, workflow: (namespace: String, name: String)?
    ) {
        let trigger = firing.trigger
        do throws(AttemptEnd) {
            let fetched = try await fetchResource(firing)
            let resolved: ResolvedWorkflow?
            do {
                resolved = try trigger.resolvedWorkflow(events: firing.events, sensor: firing.sensor, fetched: fetched)
            } catch {
                throw .permanent("trigger \(trigger.name): \(error)")
            }
            guard let workflow = resolved else { throw .permanent("trigger \(trigger.name) has no Argo resource") }
            let namespace = Self.namespace(
                of: workflow, sensor: firing.sensor, default: context.configuration.argo.namespace)
            if context.configuration.argo.via == .kubernetes {
                let result = try await ArgoViaKubernetes(context: context).execute(
                    workflow, namespace: namespace, identity: firing.identity, readFirst: firing.isRepeat)
                return (result.attempt, (namespace, result.name))
            }
            let built: (request: APIRequest, name: String, confirm: Bool)
            do {
                built = try Self.request(
                    workflow, namespace: namespace, identity: firing.identity, traceID: firing.trace?.traceID)
            } catch {
                throw .permanent("trigger \(trigger.name): \(error)")
            }
            let attempt = await send(
                built.request, name: built.name, namespace: namespace, identity: firing.identity,
                confirm: built.confirm, readFirst: built.confirm && firing.isRepeat)
            return (attempt, (namespace, built.name))
        } catch {
            return (error.attempt, nil)
        }
    }

    /// The workflow as `policy.k8s` reads it: through the Kubernetes API with `argo.via: kubernetes`, else
    /// through the Argo Server (its name, labels and phase).
    private func readWorkflow(namespace: String, name: String) async throws(AttemptEnd) -> EventValue {
        if context.configuration.argo.via == .kubernetes {
            return try await ArgoViaKubernetes(context: context).read(namespace: namespace, name: name)
        }
        guard let argo = context.argo else { throw .permanent("policy.k8s needs argo.server to read workflows") }
        let get = ArgoRequests.get(namespace: namespace, name: name)
        let response = try await context.send(get, to: argo)
        let responseClass = ResponseClass.of(response, service: .argo, idempotent: true)
        guard responseClass == .success, let workflow = try? JSONCodec.decode(response.body) else {
            throw AttemptEnd(
                attempt: TriggerContext.failure(
                    responseClass == .success ? .permanent : responseClass,
                    reason: ErrorBody.describe(response, service: .argo, method: "GET", url: argo.base + get.path)))
        }
        return workflow
    }

    /// Sends a request built with ``ArgoRequests`` with Argo's outcome rules, retried by `retry`: a 409 on a
    /// create or submit (a `POST`) is confirmed through `identity`'s label; without a server it goes to the outbox.
    /// With `readFirst` (a repeated firing), a create or submit first reads the workflow and sends nothing when it
    /// exists.
    func send(
        _ request: APIRequest, workflowName name: String, namespace: String, identity: FiringIdentity,
        retry: RetryPolicy, readFirst: Bool = false
    ) async -> TriggerOutcome {
        let confirm = request.method == "POST"
        return await context.withRetries(retry) { () async -> Attempt in
            await send(
                request, name: name, namespace: namespace, identity: identity, confirm: confirm,
                readFirst: readFirst && confirm)
        }
    }

    /// The request an `argoWorkflow` trigger's firing sends, without contacting the server: the workflow
    /// named after the firing and labelled with it.
    /// - Returns: the request; `nil` for other kinds and for `source.url` and `source.file`, whose resource is
    ///   fetched when the trigger runs.
    /// - Throws: ``TriggerError`` when a parameter does not resolve or the resource cannot be sent.
    static func preview(_ firing: TriggerFiring, defaultNamespace: String) throws(TriggerError) -> APIRequest? {
        switch firing.trigger.kind {
        case .argoWorkflow(let argo):
            guard argo.source.inlineResource != nil else { return nil }
        case .k8s, .http, .nats, .log, .kubeflowPipeline, .route:
            return nil
        }
        let resolved: ResolvedWorkflow?
        do { resolved = try firing.trigger.resolvedWorkflow(events: firing.events, sensor: firing.sensor) } catch {
            throw TriggerError(.parameter, error.description)
        }
        guard let workflow = resolved else { return nil }
        return try request(
            workflow, namespace: namespace(of: workflow, sensor: firing.sensor, default: defaultNamespace),
            identity: firing.identity
        ).request
    }

    /// The namespace a workflow goes to: its own, else its sensor's, else `fallback`.
    static func namespace(of workflow: ResolvedWorkflow, sensor: Sensor, default fallback: String) -> String {
        workflow.resource["metadata"]?["namespace"]?.stringValue ?? sensor.namespace ?? fallback
    }

    /// The request for a resolved workflow: a create or submit named after the firing (confirmed on 409), or a
    /// lifecycle operation on the named workflow.
    /// - Parameter traceID: the firing's trace id, annotated on the workflow a create or submit makes.
    static func request(
        _ workflow: ResolvedWorkflow, namespace: String, identity: FiringIdentity, traceID: String? = nil
    )
        throws(TriggerError) -> (request: APIRequest, name: String, confirm: Bool)
    {
        let resource = workflow.resource
        let metadata = resource["metadata"]
        let declaredName = metadata?["name"]?.stringValue
        switch workflow.operation {
        case .submit:
            guard case .map(var object) = resource else {
                throw TriggerError(.invalidRequest, "the Workflow resource is not a mapping")
            }
            var meta = metadata?.mapValue ?? EventMap()
            let generateName = meta["generateName"]?.stringValue
            let name = identity.name(prefix: declaredName ?? generateName)
            meta["name"] = .string(name)
            _ = meta.removeValue(forKey: "generateName")
            var labels = meta["labels"]?.mapValue ?? EventMap()
            // Argo Events' own labels carry the raw names; Kubernetes refuses a value that is not a label value.
            for key in ["events.argoproj.io/sensor", "events.argoproj.io/trigger"]
            where !FiringIdentity.isLabelValue(labels[key]?.stringValue ?? "") {
                _ = labels.removeValue(forKey: key)
            }
            for (key, value) in identity.labels { labels[key] = .string(value) }
            meta["labels"] = .map(labels)
            if let traceID {
                var annotations = meta["annotations"]?.mapValue ?? EventMap()
                annotations[TriggerTrace.traceIDAnnotation] = .string(traceID)
                meta["annotations"] = .map(annotations)
            }
            object["metadata"] = .map(meta)
            return (ArgoRequests.create(namespace: namespace, workflow: .map(object)), name, true)
        case .submitFrom:
            let kindText = resource["kind"]?.stringValue ?? ""
            guard let kind = ArgoRequests.TemplateKind(rawValue: kindText) else {
                throw TriggerError(
                    .invalidRequest,
                    "submit-from needs a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow, not '\(kindText)'")
            }
            guard let template = declaredName, !template.isEmpty else {
                throw TriggerError(.invalidRequest, "submit-from needs the template's metadata.name")
            }
            let parameters = try submitParameters(of: resource)
            let name = identity.name(prefix: template)
            let options = ArgoRequests.SubmitOptions(
                name: name, labels: Dictionary(identity.labels.map { ($0.key, $0.value) }) { first, _ in first },
                annotations: traceID.map { [TriggerTrace.traceIDAnnotation: $0] } ?? [:], parameters: parameters)
            let request = try ArgoRequests.submit(
                namespace: namespace, kind: kind, template: template, options: options)
            return (request, name, true)
        case .resubmit, .retry, .resume, .suspend, .terminate, .stop:
            guard let name = declaredName, !name.isEmpty else {
                throw TriggerError(.invalidRequest, "\(workflow.operation.rawValue) needs the workflow's metadata.name")
            }
            let request = try ArgoRequests.lifecycle(workflow.operation, namespace: namespace, name: name)
            return (request, name, false)
        }
    }

    /// The parameters a `submit-from` passes: the resource's `spec.arguments.parameters` that have a value, as
    /// strings (a value that is not a string as JSON).
    /// - Throws: ``TriggerError`` when a parameter has no name.
    static func submitParameters(of resource: EventValue) throws(TriggerError) -> [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = []
        for (index, parameter) in (resource["spec"]?["arguments"]?["parameters"]?.arrayValue ?? []).enumerated() {
            guard let name = parameter["name"]?.stringValue else {
                throw TriggerError(.invalidRequest, "spec.arguments.parameters.\(index).name is missing")
            }
            guard let value = parameter["value"] else { continue }
            parameters.append((name, value.stringValue ?? JSONCodec.encodeToString(value)))
        }
        return parameters
    }

    /// Sends an Argo request, or writes it to the outbox when no server is configured; with `readFirst`, only when the
    /// workflow it creates does not exist yet.
    private func send(
        _ request: APIRequest, name: String, namespace: String, identity: FiringIdentity, confirm: Bool,
        readFirst: Bool
    ) async -> Attempt {
        guard let argo = context.argo else {
            return context.writeOutbox(
                Outbox.Record(
                    engine: Self.engine, name: name, method: request.method, url: "{argo.server}" + request.path,
                    headers: request.body == nil ? [] : [("Content-Type", "application/json")], body: request.body,
                    identity: identity),
                what: "workflow \(namespace)/\(name)", missing: "argo.server")
        }
        do throws(AttemptEnd) {
            if readFirst,
                let existing = try await existingWorkflow(
                    namespace: namespace, name: name, identity: identity, via: argo)
            {
                return existing
            }
            let response = try await context.send(request, to: argo)
            let url = argo.base + request.path
            let responseClass = ResponseClass.of(response, service: .argo, idempotent: confirm)
            switch responseClass {
            case .success:
                let created = (try? JSONCodec.decode(response.body))?["metadata"]?["name"]?.stringValue ?? name
                return .done(.succeeded(detail: "workflow \(namespace)/\(created)"))
            case .exists where confirm:
                return try await existingWorkflow(namespace: namespace, name: name, identity: identity, via: argo)
                    ?? .retry(
                        reason: "workflow \(namespace)/\(name) answered 409 on create but is gone", after: nil,
                        kind: .general)
            default:
                return TriggerContext.failure(
                    responseClass,
                    reason: ErrorBody.describe(response, service: .argo, method: request.method, url: url))
            }
        } catch {
            return error.attempt
        }
    }

    /// The end of a create or submit whose workflow exists: already done when it carries this firing's label,
    /// permanent when it is someone else's; `nil` when there is no such workflow.
    private func existingWorkflow(
        namespace: String, name: String, identity: FiringIdentity, via argo: TriggerContext.Endpoint
    ) async throws(AttemptEnd) -> Attempt? {
        let get = ArgoRequests.get(namespace: namespace, name: name)
        let response = try await context.send(get, to: argo)
        switch ResponseClass.of(response, service: .argo, idempotent: true) {
        case .success:
            let workflow = try? JSONCodec.decode(response.body)
            let label = workflow?["metadata"]?["labels"]?[FiringIdentity.firingLabel]?.stringValue
            guard label == identity.id else {
                return .done(
                    .permanent(
                        reason: "workflow \(namespace)/\(name) exists but was not created by this firing "
                            + "(label \(FiringIdentity.firingLabel) is '\(label ?? "")')"))
            }
            let phase = workflow?["status"]?["phase"]?.stringValue ?? ""
            return .done(
                .alreadyDone(detail: "workflow \(namespace)/\(name) exists" + (phase.isEmpty ? "" : " (\(phase))")))
        case .notFound:
            return nil
        case let other:
            return TriggerContext.failure(
                other, reason: ErrorBody.describe(response, service: .argo, method: "GET", url: argo.base + get.path))
        }
    }

    /// The resource of a source read when the trigger runs, taken from the template after template-level
    /// parameters (they may name the bucket, key, branch…); `nil` for `resource` and `inline`.
    func fetchResource(_ firing: TriggerFiring) async throws(AttemptEnd) -> EventValue? {
        let trigger = firing.trigger
        let resolved: ArtifactLocation?
        do { resolved = try trigger.resolvedSource(events: firing.events) } catch {
            throw .permanent("trigger \(trigger.name): \(error)")
        }
        guard let location = resolved, location.inlineResource == nil else { return nil }
        let text: String
        do {
            text = try await context.artifacts.read(
                location, namespace: firing.sensor.namespace ?? context.configuration.argo.namespace)
        } catch {
            let reason = "trigger \(trigger.name): \(error)"
            throw error.isRetryable
                ? AttemptEnd(attempt: .retry(reason: reason, after: nil, kind: .general)) : .permanent(reason)
        }
        do { return try ResourceDocument.parse(text, origin: "\(trigger.kind.key).source.\(location.kind)") } catch {
            throw .permanent("trigger \(trigger.name): resource from source.\(location.kind): \(error.message)")
        }
    }
}
