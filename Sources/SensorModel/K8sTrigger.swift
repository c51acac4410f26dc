public import EventModel

/// `k8s`: create, update, patch or delete any Kubernetes resource through the Kubernetes API, as Argo Events'
/// standard Kubernetes trigger does.
public struct K8sTrigger: Sendable {
    /// `operation`.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// Create the resource (labelled with the firing; named after it unless it has a `metadata.name`).
        case create
        /// Read the live object, merge the resource over it and replace it; create it when missing.
        case update
        /// Patch the live object with the resource; create it when missing.
        case patch
        /// Delete the named object; a missing one counts as deleted.
        case delete
    }

    /// `patchStrategy`: the content type of a patch.
    public enum PatchStrategy: String, Sendable, Hashable, CaseIterable {
        /// JSON merge patch (RFC 7386), the default.
        case merge = "application/merge-patch+json"
        /// Kubernetes' strategic merge patch (built-in kinds only; custom resources refuse it).
        case strategicMerge = "application/strategic-merge-patch+json"
        /// JSON patch (RFC 6902).
        case json = "application/json-patch+json"
    }

    /// `operation`, `create` by default.
    public var operation: Operation
    /// `source`: where the resource comes from.
    public var source: ArtifactLocation
    /// `source.resource` (or `source.inline`, parsed): the object, with `apiVersion` and `kind`; an empty mapping
    /// for a source read when the trigger runs.
    public var resource: EventValue { source.inlineResource ?? .map([:]) }
    /// `parameters`, applied to the resource (to the live object with ``liveObject``).
    public var parameters: [TriggerParameter]
    /// `patchStrategy`, merge patch by default.
    public var patchStrategy: PatchStrategy
    /// `liveObject` (with `update`): the parameters apply to the object as it is in the cluster, not to the resource.
    public var liveObject: Bool

    /// Creates a trigger.
    public init(
        operation: Operation = .create, source: ArtifactLocation, parameters: [TriggerParameter] = [],
        patchStrategy: PatchStrategy = .merge, liveObject: Bool = false
    ) {
        self.operation = operation
        self.source = source
        self.parameters = parameters
        self.patchStrategy = patchStrategy
        self.liveObject = liveObject
    }
}

/// `policy.k8s`: after a `k8s` or `argoWorkflow` trigger created or changed its resource, the resource is read
/// again, with `backoff` between reads, until it carries every one of `labels`.
public struct ResourceLabelPolicy: Sendable, Hashable {
    /// `labels`: the label values that mark the resource as done (e.g. `workflows.argoproj.io/phase: Succeeded`).
    public var labels: [String: String]
    /// `backoff`: `steps` reads, `duration·factorⁱ` (plus jitter) apart; 5 reads 1 s apart by default.
    public var backoff: RetryStrategy
    /// `errorOnBackoffTimeout`: whether labels still unmatched after the last read fail the trigger (else it
    /// succeeds).
    public var errorOnBackoffTimeout: Bool

    /// Creates a policy.
    public init(labels: [String: String], backoff: RetryStrategy = RetryStrategy(), errorOnBackoffTimeout: Bool = false)
    {
        self.labels = labels
        self.backoff = backoff
        self.errorOnBackoffTimeout = errorOnBackoffTimeout
    }

    /// Whether `object`'s `metadata.labels` carry every label of the policy with its value.
    public func isMet(by object: EventValue) -> Bool {
        let present = object["metadata"]?["labels"]
        return labels.allSatisfy { present?[$0.key]?.stringValue == $0.value }
    }
}
