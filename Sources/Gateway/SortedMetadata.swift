import Logging

/// A logger's metadata as fields sorted by key.
///
/// Cheap to copy with its logger and to extend: a copy shares the fields until one of them sets a key, which then
/// copies the array once (no hashing) and replaces or inserts the field in place; lines write the fields in order
/// without sorting them.
struct SortedMetadata: Sendable {
    /// One key and its value.
    struct Field: Sendable {
        let key: String
        var value: Logger.MetadataValue
    }

    /// The fields, by key.
    private(set) var fields: [Field] = []

    /// No fields.
    init() {}

    /// The fields of `metadata`.
    init(_ metadata: Logger.Metadata) {
        fields = metadata.map { Field(key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
    }

    /// The fields as swift-log's dictionary.
    var dictionary: Logger.Metadata {
        Logger.Metadata(uniqueKeysWithValues: fields.lazy.map { ($0.key, $0.value) })
    }

    /// The value of `key`; setting `nil` removes the field.
    subscript(key: String) -> Logger.MetadataValue? {
        get {
            let (index, found) = position(of: key)
            return found ? fields[index].value : nil
        }
        set {
            let (index, found) = position(of: key)
            guard let value = consume newValue else {
                if found { fields.remove(at: index) }
                return
            }
            if found {
                fields[index].value = value
            } else {
                // A copy shared with another logger is copied once, with room for the keys loggers usually add.
                fields.reserveCapacity(Swift.max(16, fields.count + 1))
                fields.insert(Field(key: key, value: value), at: index)
            }
        }
    }

    /// Calls `body` with each field of `self` and of `extra`, by key; where both have a key, with `extra`'s value only.
    func forEach(merging extra: Logger.Metadata?, _ body: (_ key: String, _ value: Logger.MetadataValue) -> Void) {
        guard let extra, !extra.isEmpty else {
            for field in fields { body(field.key, field.value) }
            return
        }
        var others = extra.map { Field(key: $0.key, value: $0.value) }
        others.sort { $0.key < $1.key }
        var (mine, theirs) = (0, 0)
        while mine < fields.count || theirs < others.count {
            if theirs == others.count || (mine < fields.count && fields[mine].key < others[theirs].key) {
                body(fields[mine].key, fields[mine].value)
                mine += 1
            } else {
                if mine < fields.count && fields[mine].key == others[theirs].key { mine += 1 }
                body(others[theirs].key, others[theirs].value)
                theirs += 1
            }
        }
    }

    /// The index of the field with `key` and `true`, or where it would go and `false`.
    private func position(of key: String) -> (index: Int, found: Bool) {
        fields.withUnsafeBufferPointer { fields in
            var (low, high) = (0, fields.count)
            while low < high {
                let middle = (low + high) / 2
                if fields[middle].key < key { low = middle + 1 } else { high = middle }
            }
            return (low, low < fields.count && fields[low].key == key)
        }
    }
}
