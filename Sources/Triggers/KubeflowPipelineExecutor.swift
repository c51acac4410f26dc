import EventModel
import HTTPTransport
import SensorEngine
import SensorModel

/// The `kubeflowPipeline` trigger, and the Kubeflow side of a routed firing: resolves the pipeline, version and
/// experiment names to ids, looks for a run named after the firing, and creates one only if there is none; without
/// a KFP host, writes the run to the outbox.
struct KubeflowPipelineExecutor: TriggerKindExecutor {
    /// The `engine` label of what it executes.
    static let engine = "kubeflow"
    let context: TriggerContext

    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        var spec: KFPRunSpec
        do { spec = try Self.runSpec(firing) } catch {
            return TriggerExecution(.permanent(reason: "trigger \(firing.trigger.name): \(error)"), engine: Self.engine)
        }
        spec.noteTrace(firing.trace)
        let outcome = await createRun(
            spec, displayName: firing.identity.name(), identity: firing.identity,
            retry: RetryPolicy(firing.trigger.retryStrategy))
        return TriggerExecution(outcome, engine: Self.engine)
    }

    /// Starts a run named `displayName` (derived from `identity`) unless one exists, retried by `retry`.
    func createRun(_ spec: KFPRunSpec, displayName: String, identity: FiringIdentity, retry: RetryPolicy)
        async -> TriggerOutcome
    {
        await context.withRetries(retry) { () async -> Attempt in
            await runAttempt(spec, displayName: displayName, identity: identity)
        }
    }

    /// The run a `kubeflowPipeline` trigger's firing creates, without contacting the server: what the executor
    /// sends (or, without a KFP host, writes to the outbox), the ids it looks up by name as placeholders.
    /// - Throws: ``TriggerError`` when a parameter does not resolve or the resolved section is not a run.
    static func preview(_ firing: TriggerFiring, version: KFPAPIVersion) throws(TriggerError) -> KFPRunPreview {
        KFPRequests.previewRun(version, displayName: firing.identity.name(), spec: try runSpec(firing))
    }

    /// The run spec of a `kubeflowPipeline` trigger's section once its parameters are applied.
    private static func runSpec(_ firing: TriggerFiring) throws(TriggerError) -> KFPRunSpec {
        let action: TriggerAction
        do { action = try firing.trigger.action(events: firing.events, sensor: firing.sensor) } catch {
            throw TriggerError(.parameter, error.description)
        }
        guard case .json(let section) = action.body else {
            throw TriggerError(.invalidRequest, "kubeflowPipeline resolved to no section")
        }
        return try KFPRunSpec(section: section)
    }

    /// Resolves references, looks for an existing run by display name, and creates one if there is none; with no
    /// KFP host, writes the run to the outbox.
    private func runAttempt(_ spec: KFPRunSpec, displayName: String, identity: FiringIdentity) async -> Attempt {
        let version = context.configuration.kubeflow.apiVersion
        guard let kubeflow = context.kubeflow else {
            return outboxRun(spec, displayName: displayName, identity: identity)
        }
        do throws(AttemptEnd) {
            let pipelineID = try await resolvePipeline(spec, version: version, via: kubeflow)
            var versionID: String?
            switch spec.version {
            case .id(let id)?: versionID = id
            case .name(let name)?:
                versionID = try await lookup(
                    "\(version)|version|\(pipelineID)|\(name)",
                    KFPRequests.findPipelineVersion(version, pipelineID: pipelineID, name: name),
                    list: version == .v2beta1 ? "pipeline_versions" : "versions",
                    idKey: version == .v2beta1 ? "pipeline_version_id" : "id", what: "pipeline version '\(name)'",
                    via: kubeflow)
            case nil: versionID = nil
            }
            let experimentID = try await resolveExperiment(spec, version: version, via: kubeflow)
            let find = KFPRequests.findRun(
                version, displayName: displayName, experimentID: experimentID, namespace: spec.namespace)
            let existing = try await getJSON(find, via: kubeflow)
            if let run = existing["runs"]?.arrayValue?.first {
                let id = run[version == .v2beta1 ? "run_id" : "id"]?.stringValue ?? ""
                return .done(.alreadyDone(detail: "Kubeflow run '\(displayName)' exists (\(id))"))
            }
            let create = KFPRequests.createRun(
                version, displayName: displayName, pipelineID: pipelineID, versionID: versionID,
                experimentID: experimentID, spec: spec)
            let response = try await context.send(create, to: kubeflow)
            let responseClass = ResponseClass.of(response, service: .kubeflow, idempotent: false)
            if responseClass == .exists {
                // KFP >= 2.17 deduplicates some runs by display name and answers AlreadyExists.
                return .done(.alreadyDone(detail: "Kubeflow run '\(displayName)' exists"))
            }
            guard responseClass == .success else {
                // A 504 may have created the run: the next attempt's look-up by display name finds it. A 404 names
                // a pipeline or experiment that is gone: waiting does not bring it back.
                let retried: ResponseClass =
                    switch responseClass {
                    case .notFound: .permanent
                    case _ where response.status == 504: .retryable(after: nil)
                    default: responseClass
                    }
                return TriggerContext.failure(
                    retried,
                    reason: ErrorBody.describe(
                        response, service: .kubeflow, method: create.method, url: kubeflow.base + create.path))
            }
            let body = try? JSONCodec.decode(response.body)
            let runID = (version == .v2beta1 ? body?["run_id"] : body?["run"]?["id"])?.stringValue ?? ""
            return .done(.succeeded(detail: "Kubeflow run '\(displayName)' created (\(runID))"))
        } catch {
            return error.attempt
        }
    }

    private func resolvePipeline(
        _ spec: KFPRunSpec, version: KFPAPIVersion, via kubeflow: TriggerContext.Endpoint
    ) async throws(AttemptEnd) -> String {
        switch spec.pipeline {
        case .id(let id): return id
        case .name(let name):
            let key = "\(version)|pipeline|\(spec.namespace ?? "")|\(name)"
            let request = KFPRequests.findPipeline(version, name: name, namespace: spec.namespace)
            if version == .v2beta1 {
                if let cached = context.lookups.get(key) { return cached }
                let pipeline = try await getJSON(request, via: kubeflow)
                guard let id = pipeline["pipeline_id"]?.stringValue, !id.isEmpty else {
                    throw .permanent("Kubeflow pipeline '\(name)' not found")
                }
                context.lookups.set(key, id)
                return id
            }
            return try await lookup(
                key, request, list: "pipelines", idKey: "id", what: "Kubeflow pipeline '\(name)'", via: kubeflow)
        }
    }

    private func resolveExperiment(_ spec: KFPRunSpec, version: KFPAPIVersion, via kubeflow: TriggerContext.Endpoint)
        async throws(AttemptEnd) -> String?
    {
        let name: String
        switch spec.experiment {
        case nil: return nil
        case .id(let id)?: return id
        case .name(let experimentName)?: name = experimentName
        }
        let key = "\(version)|experiment|\(spec.namespace ?? "")|\(name)"
        let find = KFPRequests.findExperiment(version, name: name, namespace: spec.namespace)
        let list = "experiments"
        let idKey = version == .v2beta1 ? "experiment_id" : "id"
        if let id = try await optionalLookup(key, find, list: list, idKey: idKey, via: kubeflow) { return id }
        let create = KFPRequests.createExperiment(version, name: name, namespace: spec.namespace)
        let response = try await context.send(create, to: kubeflow)
        switch ResponseClass.of(response, service: .kubeflow, idempotent: true) {
        case .success:
            guard let id = (try? JSONCodec.decode(response.body))?[idKey]?.stringValue, !id.isEmpty else {
                throw .permanent("Kubeflow created experiment '\(name)' but returned no \(idKey)")
            }
            context.lookups.set(key, id)
            return id
        case .exists:
            // Created meanwhile by someone else: it can be found now.
            if let id = try await optionalLookup(key, find, list: list, idKey: idKey, via: kubeflow) { return id }
            throw AttemptEnd(
                attempt: .retry(
                    reason: "Kubeflow experiment '\(name)' exists but is not listed yet", after: nil, kind: .general))
        case let other:
            throw AttemptEnd(
                attempt: TriggerContext.failure(
                    other,
                    reason: ErrorBody.describe(
                        response, service: .kubeflow, method: create.method, url: kubeflow.base + create.path)))
        }
    }

    /// A cached id, or the first element's `idKey` of the `list` a GET returns; permanent when there is none.
    private func lookup(
        _ key: String, _ request: APIRequest, list: String, idKey: String, what: String,
        via kubeflow: TriggerContext.Endpoint
    ) async throws(AttemptEnd) -> String {
        guard let id = try await optionalLookup(key, request, list: list, idKey: idKey, via: kubeflow) else {
            throw .permanent("\(what) not found")
        }
        return id
    }

    private func optionalLookup(
        _ key: String, _ request: APIRequest, list: String, idKey: String, via kubeflow: TriggerContext.Endpoint
    ) async throws(AttemptEnd) -> String? {
        if let cached = context.lookups.get(key) { return cached }
        let body = try await getJSON(request, via: kubeflow)
        guard let id = body[list]?.arrayValue?.first?[idKey]?.stringValue, !id.isEmpty else { return nil }
        context.lookups.set(key, id)
        return id
    }

    /// GETs JSON; a 404 is permanent at once (a missing pipeline does not appear by waiting).
    private func getJSON(_ request: APIRequest, via kubeflow: TriggerContext.Endpoint) async throws(AttemptEnd)
        -> EventValue
    {
        let response = try await context.send(request, to: kubeflow)
        let url = kubeflow.base + request.path
        let responseClass = ResponseClass.of(response, service: .kubeflow, idempotent: true)
        guard responseClass == .success else {
            let reason = ErrorBody.describe(response, service: .kubeflow, method: request.method, url: url)
            throw AttemptEnd(
                attempt: TriggerContext.failure(
                    responseClass == .notFound ? .permanent : responseClass, reason: reason))
        }
        do { return try JSONCodec.decode(response.body) } catch {
            throw .permanent("Kubeflow answered GET \(HTTPRequest(url: url).redactedURL) with invalid JSON: \(error)")
        }
    }

    /// The run as it would be created, with names the executor would resolve first under `resolve`.
    private func outboxRun(_ spec: KFPRunSpec, displayName: String, identity: FiringIdentity) -> Attempt {
        let preview = KFPRequests.previewRun(
            context.configuration.kubeflow.apiVersion, displayName: displayName, spec: spec)
        var record = Outbox.Record(
            engine: Self.engine, name: displayName, method: preview.request.method,
            url: "{kubeflow.host}" + preview.request.path, headers: [("Content-Type", "application/json")],
            body: preview.request.body, identity: identity)
        if !preview.resolve.isEmpty { record.extra["resolve"] = .map(preview.resolve) }
        return context.writeOutbox(record, what: "Kubeflow run '\(displayName)'", missing: "kubeflow.host")
    }
}

extension KFPRunSpec {
    /// Ends the run's description with the line `sensor-gateway.io/trace-id: <trace id>` when the firing is traced,
    /// so the run can be followed back to the event that caused it.
    mutating func noteTrace(_ trace: TriggerTrace?) {
        guard let traceID = trace?.traceID else { return }
        let line = "\(TriggerTrace.traceIDAnnotation): \(traceID)"
        description = description.map { $0 + "\n" + line } ?? line
    }
}
