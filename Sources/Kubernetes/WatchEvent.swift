public import EventModel

/// One event of a watch: what happened and the object as it is now (for `bookmark`, only its kind and
/// `metadata.resourceVersion`).
public struct WatchEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        /// No change: the collection has reached this `resourceVersion`; resume from it.
        case bookmark = "BOOKMARK"
    }

    /// What happened.
    public var kind: Kind
    /// The object (after the change; as last seen for `deleted`).
    public var object: EventValue

    /// An event.
    public init(kind: Kind, object: EventValue) {
        self.kind = kind
        self.object = object
    }

    /// The object's `metadata.resourceVersion`: where a watch resumes after this event.
    public var resourceVersion: String? { object["metadata"]?["resourceVersion"]?.stringValue }
}
