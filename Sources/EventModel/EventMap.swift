/// The entries of a map value, in the order they were decoded or inserted; keys are unique.
///
/// Events hold small maps, where a scan of a few keys beats hashing them: decoding an event builds its maps
/// without hashing a key. Maps of more than ``indexThreshold`` entries also keep a hash index, so a large map
/// (up to the 65,536 entries decoding allows) still answers a lookup in constant time.
/// Two maps are equal when they hold the same entries in any order, as JSON objects are.
public struct EventMap: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: EventValue)

    /// Above this many entries, lookups go through a hash index.
    public static let indexThreshold = 16

    private var entries: [Element] = []
    private var index: [String: Int]? = nil

    /// An empty map.
    public init() {}

    /// A map of `elements` in their order; a repeated key keeps its first position and its last value.
    public init(dictionaryLiteral elements: (String, EventValue)...) {
        reserveCapacity(elements.count)
        for (key, value) in elements { updateValue(value, forKey: key) }
    }

    /// A map of `entries` whose keys the caller has checked to be unique (decoders check them on the wire).
    init(uniqueEntries entries: [Element]) {
        self.entries = entries
        if entries.count > Self.indexThreshold { index = makeIndex() }
    }

    /// A map of a dictionary's entries, sorted by key so that the order is deterministic.
    public init(_ dictionary: [String: EventValue]) {
        reserveCapacity(dictionary.count)
        for key in dictionary.keys.sorted() { updateValue(dictionary[key] ?? .null, forKey: key) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }
    public subscript(position: Int) -> Element { entries[position] }

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }
    /// The values in order.
    public var values: [EventValue] { entries.map(\.value) }

    /// The value under `key`; setting `nil` removes the entry.
    public subscript(key: String) -> EventValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Reserves room for `count` entries.
    public mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    /// Sets the value under `key`, appending the key if it is new.
    /// - Returns: the value it replaced, or `nil` if the key is new.
    @discardableResult
    public mutating func updateValue(_ value: EventValue, forKey key: String) -> EventValue? {
        if let position = position(of: key) {
            let old = entries[position].value
            entries[position].value = value
            return old
        }
        entries.append((key, value))
        if index != nil {
            index?[key] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            index = makeIndex()
        }
        return nil
    }

    /// Removes the entry under `key`.
    /// - Returns: its value, or `nil` if there was none.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> EventValue? {
        guard let position = position(of: key) else { return nil }
        let old = entries.remove(at: position).value
        index = entries.count > Self.indexThreshold ? makeIndex() : nil
        return old
    }

    private func makeIndex() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        // Comparing lengths first skips most unequal keys without the full string comparison.
        let length = key.utf8.count
        return entries.firstIndex { $0.key.utf8.count == length && $0.key == key }
    }

    public static func == (lhs: EventMap, rhs: EventMap) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.allSatisfy { rhs[$0.key] == $0.value }
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent, to agree with `==`.
        var combined = 0
        for (key, value) in self {
            var entry = Hasher()
            entry.combine(key)
            entry.combine(value)
            combined &+= entry.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}
