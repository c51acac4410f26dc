public import EventModel

/// The objects of a list call and the collection's `resourceVersion`, from which a watch continues.
public struct ObjectList: Sendable, Hashable {
    /// The objects, each a JSON map.
    public var items: [EventValue]
    /// The list's `metadata.resourceVersion`.
    public var resourceVersion: String

    /// A list.
    public init(items: [EventValue], resourceVersion: String) {
        self.items = items
        self.resourceVersion = resourceVersion
    }
}
