public import EventModel
import SensorLanguage
public import SensorModel

/// The dependencies of one subject, indexed by what their filters require of an event, so that an event is offered
/// only to the dependencies whose filters it can pass.
///
/// At construction each dependency's filters are read for conditions that reject an event without evaluating the
/// filters: a `context` attribute (`type`, `subject`, `source`, `datacontenttype`), and a `data` filter comparing a
/// path for equality with anchored string literals (`^main$`), numbers or booleans (no template). Such a condition
/// rejects only where the dependency's verdict is a rejection whatever the other filters say: its filters combine
/// with `and` (or it has one filter kind), its data filters with `and` (or it has one), and it has no `transform`.
/// Each dependency is filed under one of its conditions (the field most dependencies share, so an event is looked up
/// in few tables); a dependency without one is a candidate for every event.
///
/// A data condition decides only when the event's data is structured and holds the path: otherwise the filter
/// passes (no data) or fails with an error, and the dependency stays a candidate, so its evaluation says which.
/// Evaluating the candidates' filters gives the same verdicts as evaluating every dependency's; a dependency left out
/// fails one of its filters without an error.
public struct DependencyIndex: Sendable {
    /// An event attribute or data value a condition compares.
    enum Field: Hashable, Sendable {
        case type
        case subject
        case source
        case dataContentType
        /// The value at a data path, compared as `type` compares it.
        case data(path: String, type: DataFilter.ValueType)
    }

    /// A value of a field, hashed as the filter compares it.
    enum Key: Hashable, Sendable {
        /// An attribute: Swift string equality, as a context filter compares.
        case attribute(String)
        /// A string at a data path: its UTF-8 bytes, as an anchored literal matches.
        case bytes([UInt8])
        /// `gjsonFloat` of the value; `-0` and `0` hash alike, NaN equals nothing.
        case number(Double)
        /// `gjsonBool` of the value.
        case bool(Bool)
    }

    /// The dependencies filed under one field.
    struct Table: Sendable {
        let field: Field
        /// The path of a data field.
        let path: GJSONPath?
        /// The dependencies, ascending, by each value that lets them through.
        var byKey: [Key: [Int]]
        /// Every dependency filed here, ascending: the candidates when the field cannot decide.
        var all: [Int]
    }

    /// How many dependencies were indexed.
    public let count: Int
    /// The dependencies without a condition, ascending.
    let unconditional: [Int]
    let tables: [Table]

    /// Indexes `dependencies`; positions in this array are what ``candidates(for:)`` returns.
    public init(_ dependencies: [Dependency]) {
        count = dependencies.count
        let conditions = dependencies.map(Self.conditions)
        var popularity: [Field: Int] = [:]
        for fields in conditions {
            for field in fields.keys { popularity[field, default: 0] += 1 }
        }
        var unconditional: [Int] = []
        var tables: [Field: Table] = [:]
        var order: [Field] = []
        for (position, fields) in conditions.enumerated() {
            // The field most dependencies have a condition on; ties go to the attributes, then the path's text.
            let best = fields.max { left, right in
                let leftCount = popularity[left.key] ?? 0
                let rightCount = popularity[right.key] ?? 0
                if leftCount != rightCount { return leftCount < rightCount }
                return Self.rank(left.key) > Self.rank(right.key)
            }
            guard let (field, condition) = best else {
                unconditional.append(position)
                continue
            }
            if tables[field] == nil {
                tables[field] = Table(field: field, path: condition.path, byKey: [:], all: [])
                order.append(field)
            }
            tables[field]?.all.append(position)
            for key in condition.keys { tables[field]?.byKey[key, default: []].append(position) }
        }
        self.unconditional = unconditional
        self.tables = order.compactMap { tables[$0] }
    }

    /// The positions, ascending, of the dependencies whose filters `event` may pass; every other dependency's
    /// filters reject it.
    public func candidates(for event: Event) -> [Int] {
        guard !tables.isEmpty else { return unconditional }
        var lists: [[Int]] = []
        if !unconditional.isEmpty { lists.append(unconditional) }
        var payload: EventPayload?
        for table in tables {
            let key: Key?
            switch table.field {
            case .type: key = .attribute(event.type)
            case .subject: key = event.subject.map(Key.attribute)
            case .source: key = .attribute(event.source)
            case .dataContentType: key = event.dataContentType.map(Key.attribute)
            case .data(_, let type):
                if payload == nil { payload = event.payload }
                guard case .structured(let data)? = payload, let path = table.path, let value = path.value(in: data)
                else {
                    lists.append(table.all)
                    continue
                }
                key = Self.key(value, as: type)
            }
            // An absent attribute fails every context filter on it.
            if let key, let matches = table.byKey[key] { lists.append(matches) }
        }
        switch lists.count {
        case 0: return []
        case 1: return lists[0]
        default: return lists.joined().sorted()
        }
    }

    /// A data value as a data filter of `type` compares it.
    private static func key(_ value: EventValue, as type: DataFilter.ValueType) -> Key {
        switch type {
        case .string: .bytes(Array(value.gjsonString.utf8))
        case .number: .number(value.gjsonFloat)
        case .bool: .bool(value.gjsonBool)
        }
    }

    /// The values of a field that pass a dependency's condition on it.
    struct Condition {
        var path: GJSONPath?
        var keys: Set<Key>
    }

    /// The conditions that reject an event for `dependency` whatever its other filters say, by field (two on one
    /// field: the values both allow).
    static func conditions(of dependency: Dependency) -> [Field: Condition] {
        guard dependency.transform == nil, let filters = dependency.filters else { return [:] }
        let kinds = [
            filters.exprs != nil, filters.data != nil, filters.context != nil, filters.time != nil,
            filters.script != nil,
        ].count { $0 }
        guard dependency.filtersLogicalOperator == .and || kinds == 1 else { return [:] }
        var conditions: [Field: Condition] = [:]
        func require(_ field: Field, path: GJSONPath? = nil, _ keys: Set<Key>) {
            if let existing = conditions[field] {
                conditions[field] = Condition(path: path, keys: existing.keys.intersection(keys))
            } else {
                conditions[field] = Condition(path: path, keys: keys)
            }
        }
        if let context = filters.context {
            if let type = context.type { require(.type, [.attribute(type)]) }
            if let subject = context.subject { require(.subject, [.attribute(subject)]) }
            if let source = context.source { require(.source, [.attribute(source)]) }
            if let contentType = context.dataContentType { require(.dataContentType, [.attribute(contentType)]) }
        }
        if let data = filters.data, filters.dataLogicalOperator == .and || data.count == 1 {
            for filter in data {
                guard filter.template == nil, filter.comparator == .equal else { continue }
                let field = Field.data(path: filter.path.text, type: filter.type)
                switch filter.type {
                case .bool: require(field, path: filter.path, Set(filter.booleans.map(Key.bool)))
                case .number: require(field, path: filter.path, Set(filter.numbers.map(Key.number)))
                case .string:
                    let literals = filter.patterns.compactMap(\.exactText)
                    guard literals.count == filter.patterns.count else { continue }
                    require(field, path: filter.path, Set(literals.map(Key.bytes)))
                }
            }
        }
        return conditions
    }

    /// The order ties between fields are broken in: attributes first, then data paths by their text.
    private static func rank(_ field: Field) -> String {
        switch field {
        case .type: "0"
        case .source: "1"
        case .subject: "2"
        case .dataContentType: "3"
        case .data(let path, let type): "4\(type.rawValue):\(path)"
        }
    }
}
