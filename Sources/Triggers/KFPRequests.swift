public import EventModel

/// The Kubeflow Pipelines REST API version the executor speaks.
public enum KFPAPIVersion: String, Sendable, Hashable {
    /// `/apis/v2beta1` (KFP 2.x), the default.
    case v2beta1
    /// `/apis/v1beta1` (KFP 1.x, or 2.x's v1 API).
    case v1beta1
}

/// A reference to a KFP object by id or by name.
public enum KFPReference: Sendable, Hashable {
    /// The server's id.
    case id(String)
    /// The display name, looked up (and for experiments created when missing).
    case name(String)
}

/// A run to start, in plain values: what a `kubeflowPipeline` trigger resolves to, and what the routing matrix
/// builds from a routing decision.
public struct KFPRunSpec: Sendable, Hashable {
    /// The pipeline.
    public var pipeline: KFPReference
    /// The version; `nil` runs the pipeline's latest version.
    public var version: KFPReference?
    /// The experiment; `nil` uses the server's default experiment (single-user KFP only).
    public var experiment: KFPReference?
    /// The profile namespace, for look-ups and new experiments (multi-user KFP).
    public var namespace: String?
    /// Runtime parameters, typed (`runtime_config.parameters` keeps JSON types).
    public var runtimeParameters: EventMap
    /// `service_account`.
    public var serviceAccount: String?
    /// `runtime_config.pipeline_root`.
    public var pipelineRoot: String?
    /// `description`.
    public var description: String?

    /// Creates a run spec.
    public init(
        pipeline: KFPReference, version: KFPReference? = nil, experiment: KFPReference? = nil, namespace: String? = nil,
        runtimeParameters: EventMap = [:], serviceAccount: String? = nil, pipelineRoot: String? = nil,
        description: String? = nil
    ) {
        self.pipeline = pipeline
        self.version = version
        self.experiment = experiment
        self.namespace = namespace
        self.runtimeParameters = runtimeParameters
        self.serviceAccount = serviceAccount
        self.pipelineRoot = pipelineRoot
        self.description = description
    }

    /// Reads a resolved `kubeflowPipeline` section (after trigger parameters wrote into it).
    /// - Throws: ``TriggerError`` naming the field when the pipeline is missing, a reference is set twice, or a
    ///   field has the wrong type.
    public init(section: EventValue) throws(TriggerError) {
        func text(_ key: String) throws(TriggerError) -> String? {
            guard let value = section[key], value != .null else { return nil }
            guard let string = value.stringValue else {
                throw TriggerError(.invalidRequest, "kubeflowPipeline.\(key) must be a string, not \(value.typeName)")
            }
            return string.isEmpty ? nil : string
        }
        func reference(_ idKey: String, _ nameKey: String) throws(TriggerError) -> KFPReference? {
            switch (try text(idKey), try text(nameKey)) {
            case (let id?, nil): return .id(id)
            case (nil, let name?): return .name(name)
            case (nil, nil): return nil
            case (_?, _?):
                throw TriggerError(.invalidRequest, "kubeflowPipeline sets both \(idKey) and \(nameKey)")
            }
        }
        guard let pipeline = try reference("pipelineId", "pipelineName") else {
            throw TriggerError(.invalidRequest, "kubeflowPipeline needs pipelineId or pipelineName")
        }
        var parameters = EventMap()
        switch section["runtimeParameters"] {
        case .map(let map)?: parameters = map
        case nil, .null?: break
        case let other?:
            throw TriggerError(
                .invalidRequest, "kubeflowPipeline.runtimeParameters must be a mapping, not \(other.typeName)")
        }
        self.init(
            pipeline: pipeline, version: try reference("pipelineVersionId", "pipelineVersionName"),
            experiment: try reference("experimentId", "experimentName"), namespace: try text("namespace"),
            runtimeParameters: parameters, serviceAccount: try text("serviceAccount"),
            pipelineRoot: try text("pipelineRoot"), description: try text("description"))
    }
}

/// A run creation before the server is asked: what the outbox records and `explain` prints.
public struct KFPRunPreview: Sendable, Hashable {
    /// `POST /apis/<version>/runs`, with `{pipelineName}`, `{pipelineVersionName}` and `{experimentName}` where the
    /// executor puts the ids it looks up by name.
    public var request: APIRequest
    /// The names looked up, by placeholder (`pipelineName` → the pipeline's name); empty when ids were given.
    public var resolve: EventMap
}

/// Builds Kubeflow Pipelines REST requests from plain values: pure, no I/O. Look-ups filter by name with KFP's
/// `filter` query (URL-encoded JSON of the `Filter` proto).
public enum KFPRequests {
    /// `POST /apis/<version>/runs`: the v2beta1 `Run`, or the v1beta1 `apiRun`, with only fields the API knows.
    /// - Parameters:
    ///   - version: the API version.
    ///   - displayName: the run's deterministic name (`display_name`, v1 `name`).
    ///   - pipelineID: the pipeline's id.
    ///   - versionID: the version's id; `nil` runs the latest.
    ///   - experimentID: the experiment's id; `nil` uses the default experiment.
    ///   - spec: parameters, service account, pipeline root and description.
    public static func createRun(
        _ version: KFPAPIVersion, displayName: String, pipelineID: String, versionID: String?, experimentID: String?,
        spec: KFPRunSpec
    ) -> APIRequest {
        var runtimeConfig: EventMap = [:]
        if !spec.runtimeParameters.isEmpty { runtimeConfig["parameters"] = .map(spec.runtimeParameters) }
        if let root = spec.pipelineRoot { runtimeConfig["pipeline_root"] = .string(root) }
        var run: EventMap
        switch version {
        case .v2beta1:
            run = ["display_name": .string(displayName)]
            if let description = spec.description { run["description"] = .string(description) }
            if let experimentID { run["experiment_id"] = .string(experimentID) }
            var reference: EventMap = ["pipeline_id": .string(pipelineID)]
            if let versionID { reference["pipeline_version_id"] = .string(versionID) }
            run["pipeline_version_reference"] = .map(reference)
            run["runtime_config"] = .map(runtimeConfig)
        case .v1beta1:
            run = ["name": .string(displayName)]
            if let description = spec.description { run["description"] = .string(description) }
            var pipelineSpec: EventMap = [:]
            if versionID == nil { pipelineSpec["pipeline_id"] = .string(pipelineID) }
            if !runtimeConfig.isEmpty { pipelineSpec["runtime_config"] = .map(runtimeConfig) }
            run["pipeline_spec"] = .map(pipelineSpec)
            var references: [EventValue] = []
            if let experimentID {
                references.append(resourceReference("EXPERIMENT", experimentID, relationship: "OWNER"))
            }
            if let versionID {
                references.append(resourceReference("PIPELINE_VERSION", versionID, relationship: "CREATOR"))
            }
            if !references.isEmpty { run["resource_references"] = .array(references) }
        }
        if let account = spec.serviceAccount { run["service_account"] = .string(account) }
        return APIRequest(method: "POST", path: "/apis/\(version.rawValue)/runs", body: .map(run))
    }

    /// ``createRun(_:displayName:pipelineID:versionID:experimentID:spec:)`` for a spec that may name its pipeline,
    /// version and experiment: a name becomes a `{pipelineName}`-style placeholder, listed under
    /// ``KFPRunPreview/resolve``.
    public static func previewRun(_ version: KFPAPIVersion, displayName: String, spec: KFPRunSpec) -> KFPRunPreview {
        var resolve = EventMap()
        func placeholder(_ reference: KFPReference?, _ key: String) -> String? {
            switch reference {
            case .id(let id)?: return id
            case .name(let name)?:
                resolve[key] = .string(name)
                return "{\(key)}"
            case nil: return nil
            }
        }
        let pipelineID = placeholder(spec.pipeline, "pipelineName") ?? ""
        let versionID = placeholder(spec.version, "pipelineVersionName")
        let experimentID = placeholder(spec.experiment, "experimentName")
        let request = createRun(
            version, displayName: displayName, pipelineID: pipelineID, versionID: versionID,
            experimentID: experimentID, spec: spec)
        return KFPRunPreview(request: request, resolve: resolve)
    }

    /// Lists runs with this display name (in the experiment, when given), newest first.
    public static func findRun(_ version: KFPAPIVersion, displayName: String, experimentID: String?, namespace: String?)
        -> APIRequest
    {
        switch version {
        case .v2beta1:
            return APIRequest(
                method: "GET",
                path: "/apis/v2beta1/runs"
                    + URLComponent.query([
                        ("experiment_id", experimentID), ("namespace", experimentID == nil ? namespace : nil),
                        ("page_size", "1"), ("sort_by", "created_at desc"),
                        ("filter", filter(version, key: "display_name", value: displayName)),
                    ]))
        case .v1beta1:
            let (type, id): (String?, String?) =
                experimentID.map { ("EXPERIMENT", $0) } ?? namespace.map { ("NAMESPACE", $0) } ?? (nil, nil)
            return APIRequest(
                method: "GET",
                path: "/apis/v1beta1/runs"
                    + URLComponent.query([
                        ("resource_reference_key.type", type), ("resource_reference_key.id", id), ("page_size", "1"),
                        ("sort_by", "created_at desc"), ("filter", filter(version, key: "name", value: displayName)),
                    ]))
        }
    }

    /// Finds a pipeline by name: v2beta1 `GET /pipelines/names/{name}`, v1beta1 a filtered list.
    public static func findPipeline(_ version: KFPAPIVersion, name: String, namespace: String?) -> APIRequest {
        switch version {
        case .v2beta1:
            return APIRequest(
                method: "GET",
                path: "/apis/v2beta1/pipelines/names/\(URLComponent.encode(name))"
                    + URLComponent.query([("namespace", namespace)]))
        case .v1beta1:
            return APIRequest(
                method: "GET",
                path: "/apis/v1beta1/pipelines"
                    + URLComponent.query([
                        ("resource_key.type", namespace == nil ? nil : "NAMESPACE"), ("resource_key.id", namespace),
                        ("page_size", "1"), ("filter", filter(version, key: "name", value: name)),
                    ]))
        }
    }

    /// Finds a version of a pipeline by name.
    public static func findPipelineVersion(_ version: KFPAPIVersion, pipelineID: String, name: String) -> APIRequest {
        switch version {
        case .v2beta1:
            return APIRequest(
                method: "GET",
                path: "/apis/v2beta1/pipelines/\(URLComponent.encode(pipelineID))/versions"
                    + URLComponent.query([
                        ("page_size", "1"), ("filter", filter(version, key: "display_name", value: name)),
                    ]))
        case .v1beta1:
            return APIRequest(
                method: "GET",
                path: "/apis/v1beta1/pipeline_versions"
                    + URLComponent.query([
                        ("resource_key.type", "PIPELINE"), ("resource_key.id", pipelineID), ("page_size", "1"),
                        ("filter", filter(version, key: "name", value: name)),
                    ]))
        }
    }

    /// Finds an experiment by name (in the namespace, when given).
    public static func findExperiment(_ version: KFPAPIVersion, name: String, namespace: String?) -> APIRequest {
        switch version {
        case .v2beta1:
            return APIRequest(
                method: "GET",
                path: "/apis/v2beta1/experiments"
                    + URLComponent.query([
                        ("namespace", namespace), ("page_size", "1"),
                        ("filter", filter(version, key: "display_name", value: name)),
                    ]))
        case .v1beta1:
            return APIRequest(
                method: "GET",
                path: "/apis/v1beta1/experiments"
                    + URLComponent.query([
                        ("resource_reference_key.type", namespace == nil ? nil : "NAMESPACE"),
                        ("resource_reference_key.id", namespace), ("page_size", "1"),
                        ("filter", filter(version, key: "name", value: name)),
                    ]))
        }
    }

    /// Creates an experiment (a 409 means it exists).
    public static func createExperiment(_ version: KFPAPIVersion, name: String, namespace: String?) -> APIRequest {
        switch version {
        case .v2beta1:
            var body: EventMap = ["display_name": .string(name)]
            if let namespace { body["namespace"] = .string(namespace) }
            return APIRequest(method: "POST", path: "/apis/v2beta1/experiments", body: .map(body))
        case .v1beta1:
            var body: EventMap = ["name": .string(name)]
            if let namespace {
                body["resource_references"] = .array([resourceReference("NAMESPACE", namespace, relationship: "OWNER")])
            }
            return APIRequest(method: "POST", path: "/apis/v1beta1/experiments", body: .map(body))
        }
    }

    /// The `filter` query value: `{"predicates":[{"operation":"EQUALS","key":…,"string_value":…}]}` (v1beta1
    /// calls the operation `op`).
    static func filter(_ version: KFPAPIVersion, key: String, value: String) -> String {
        let operation = version == .v2beta1 ? "operation" : "op"
        return JSONCodec.encodeToString(
            .map([
                "predicates": .array([
                    .map([operation: "EQUALS", "key": .string(key), "string_value": .string(value)])
                ])
            ]))
    }

    private static func resourceReference(_ type: String, _ id: String, relationship: String) -> EventValue {
        .map(["key": .map(["type": .string(type), "id": .string(id)]), "relationship": .string(relationship)])
    }
}
