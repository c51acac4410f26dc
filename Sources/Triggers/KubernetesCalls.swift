import EventModel
import Foundation
import Kubernetes
import SensorEngine

/// The Kubernetes API calls of the `k8s` trigger and of Argo via Kubernetes, each ending its attempt with the
/// outcome rules of the Kubernetes API: 401, 403, 400, 422, 415 and unknown kinds are permanent; 429, 5xx and
/// transport failures retryable (429 after the server's `Retry-After`); 404, 409 and a stale `resourceVersion` are
/// left to the caller, which knows what they mean for its operation.
struct KubernetesCalls: Sendable {
    let client: KubernetesClient

    /// The end of an attempt for an error the caller does not handle itself.
    static func end(_ error: KubernetesError) -> AttemptEnd {
        let reason = "Kubernetes API: \(error)"
        switch error.kind {
        case .transport, .server:
            return AttemptEnd(attempt: .retry(reason: reason, after: nil, kind: .general))
        case .tooManyRequests:
            return AttemptEnd(attempt: .retry(reason: reason, after: error.retryAfter, kind: .general))
        case .unsupportedMediaType:
            return .permanent(
                reason + " (a custom resource takes no strategic merge patch: use patchStrategy "
                    + "application/merge-patch+json)")
        case .configuration, .unauthorized, .forbidden, .notFound, .alreadyExists, .conflict, .gone, .invalid,
            .unknownKind:
            return .permanent(reason)
        }
    }

    /// The REST identity of `apiVersion` and `kind`.
    func resourceType(apiVersion: String, kind: String) async throws(AttemptEnd) -> ResourceType {
        do { return try await client.resourceType(apiVersion: apiVersion, kind: kind) } catch {
            throw Self.end(error)
        }
    }

    /// The namespace an object of `type` goes to: none for a cluster-scoped kind, else `namespace`, else the
    /// connection's default.
    func namespace(of type: ResourceType, _ namespace: String?) -> String? {
        type.namespaced ? namespace ?? client.connection.namespace : nil
    }

    /// The object, or `nil` when there is none.
    func get(_ type: ResourceType, namespace: String?, name: String) async throws(AttemptEnd) -> EventValue? {
        do { return try await client.get(type, namespace: namespace, name: name) } catch {
            if error.kind == .notFound { return nil }
            throw Self.end(error)
        }
    }

    /// Creates `object` as the firing `identity` does: a 409 AlreadyExists is confirmed by reading the object, which
    /// is this firing's (already done) when it carries the firing label, and someone else's (permanent) otherwise.
    /// - Parameters:
    ///   - object: the object, named and labelled (``KubernetesObjects/created(_:identity:actionTimestamp:)``).
    ///   - readFirst: read the object before creating it and send no create when it exists (a repeated firing).
    func create(
        _ type: ResourceType, namespace: String?, object: EventValue, name: String, identity: FiringIdentity,
        readFirst: Bool = false
    ) async throws(AttemptEnd) -> Attempt {
        let what = Self.describe(type, namespace, name)
        if readFirst, let existing = try await get(type, namespace: namespace, name: name) {
            return Self.existing(existing, what: what, identity: identity)
        }
        do {
            _ = try await client.create(type, namespace: namespace, object: object)
            return .done(.succeeded(detail: what + " created"))
        } catch {
            guard error.kind == .alreadyExists else { throw Self.end(error) }
        }
        guard let existing = try await get(type, namespace: namespace, name: name) else {
            return .retry(reason: "\(what) answered AlreadyExists on create but is gone", after: nil, kind: .general)
        }
        return Self.existing(existing, what: what, identity: identity)
    }

    /// The end of a create whose object exists: already done when `identity` created it, else permanent.
    private static func existing(_ existing: EventValue, what: String, identity: FiringIdentity) -> Attempt {
        guard KubernetesObjects.isCreated(existing, by: identity) else {
            let label = existing["metadata"]?["labels"]?[FiringIdentity.firingLabel]?.stringValue ?? ""
            return .done(
                .permanent(
                    reason: "\(what) exists but was not created by this firing "
                        + "(label \(FiringIdentity.firingLabel) is '\(label)')"))
        }
        return .done(.alreadyDone(detail: what + " exists"))
    }

    /// `Kind namespace/name`, or `Kind name` for a cluster-scoped kind.
    static func describe(_ type: ResourceType, _ namespace: String?, _ name: String) -> String {
        "\(type.kind) " + (namespace.map { "\($0)/" } ?? "") + name
    }
}
