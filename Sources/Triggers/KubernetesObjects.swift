import EventModel
import Foundation
import SensorEngine

/// The object edits of the `k8s` trigger and of Argo via Kubernetes, on plain values: naming and labelling what a
/// firing creates, merging a change over a live object, and the same change as a JSON patch.
enum KubernetesObjects {
    /// The label Argo Events puts on what a trigger creates: when the trigger acted, in milliseconds since 1970.
    static let actionTimestampLabel = "events.argoproj.io/action-timestamp"

    /// `object` as a firing creates it: named after the firing (``SensorEngine/FiringIdentity/name(prefix:)`` with
    /// `generateName`, else the kind, as prefix) unless it has a `metadata.name`; `generateName` dropped; labelled
    /// with `identity`'s labels (Argo Events' sensor and trigger labels among them) and, when given, the action
    /// timestamp.
    /// - Returns: the object and its name; `nil` when `object` is not a mapping.
    static func created(_ object: EventValue, identity: FiringIdentity, actionTimestamp: String?) -> (
        object: EventValue, name: String
    )? {
        guard case .map(var fields) = object else { return nil }
        var metadata = fields["metadata"]?.mapValue ?? EventMap()
        let fixed = metadata["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let prefix = metadata["generateName"]?.stringValue ?? fields["kind"]?.stringValue
        let name = fixed ?? identity.name(prefix: prefix)
        metadata["name"] = .string(name)
        _ = metadata.removeValue(forKey: "generateName")
        var labels = metadata["labels"]?.mapValue ?? EventMap()
        for (key, value) in identity.labels { labels[key] = .string(value) }
        if let actionTimestamp { labels[actionTimestampLabel] = .string(actionTimestamp) }
        metadata["labels"] = .map(labels)
        fields["metadata"] = .map(metadata)
        return (.map(fields), name)
    }

    /// Whether `object` was created by the firing `identity` (it carries the firing label with its id).
    static func isCreated(_ object: EventValue, by identity: FiringIdentity) -> Bool {
        object["metadata"]?["labels"]?[FiringIdentity.firingLabel]?.stringValue == identity.id
    }

    /// `patch` applied to `target` as a JSON merge patch (RFC 7386): mappings merge key by key, `null` removes a
    /// key, anything else replaces.
    static func merged(_ patch: EventValue, over target: EventValue) -> EventValue {
        guard case .map(let changes) = patch else { return patch }
        var result = target.mapValue ?? EventMap()
        for (key, value) in changes {
            if value == .null {
                _ = result.removeValue(forKey: key)
            } else {
                result[key] = merged(value, over: result[key] ?? .null)
            }
        }
        return .map(result)
    }

    /// The change a merge patch `patch` makes to `live`, as JSON patch (RFC 6902) operations: `add` for a new key,
    /// `replace` for a changed value, `remove` for a `null`; mappings present on both sides are compared key by
    /// key, so the result equals ``merged(_:over:)``.
    static func jsonPatch(_ patch: EventValue, against live: EventValue, pointer: String = "") -> [EventValue] {
        guard case .map(let changes) = patch else {
            return patch == live ? [] : [operation("replace", pointer, patch)]
        }
        var operations: [EventValue] = []
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
            let path = pointer + "/" + escaped(key)
            let current = live[key]
            switch (value, current) {
            case (.null, nil): continue
            case (.null, _?): operations.append(.map(["op": "remove", "path": .string(path)]))
            case (.map, .map(let existing)?): operations += jsonPatch(value, against: .map(existing), pointer: path)
            case (_, nil): operations.append(operation("add", path, merged(value, over: .null)))
            case (_, let existing?):
                if existing != value { operations.append(operation("replace", path, merged(value, over: .null))) }
            }
        }
        return operations
    }

    private static func operation(_ name: String, _ path: String, _ value: EventValue) -> EventValue {
        .map(["op": .string(name), "path": .string(path), "value": value])
    }

    /// A JSON pointer token: `~` as `~0`, `/` as `~1`.
    private static func escaped(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
