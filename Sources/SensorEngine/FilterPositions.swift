import SensorLanguage
public import SensorModel

/// One filter of a dependency as a person reads it: its kind and a short text.
public struct FilterDescription: Sendable, Hashable {
    /// `transform`, `exprs`, `data`, `context`, `time` or `script`.
    public var kind: String
    /// The filter, described (`body.type string = [order]`, `type=order.created`, `09:00:00-17:00:00 UTC`).
    public var text: String

    /// A description.
    public init(kind: String, text: String) {
        self.kind = kind
        self.text = text
    }
}

/// Which filters of a dependency one evaluation reached and which of them passed, by position in
/// ``SensorModel/Dependency/filterDescriptions`` (the order filters are evaluated in). Two words, so the daemon's
/// screening records it for every event without allocating; positions from ``capacity`` on are not tracked.
public struct FilterPositions: Sendable, Hashable {
    /// How many positions are tracked.
    public static let capacity = 64

    /// Bit `i`: the filter at position `i` was evaluated.
    public private(set) var evaluated: UInt64 = 0
    /// Bit `i`: the filter at position `i` was evaluated and passed.
    public private(set) var passed: UInt64 = 0

    /// No filter evaluated.
    public init() {}

    /// Notes the verdict of the filter at `position` (an error is a failure).
    mutating func note(_ position: Int, passed: Bool) {
        guard position >= 0, position < Self.capacity else { return }
        let bit: UInt64 = 1 << UInt64(position)
        evaluated |= bit
        if passed { self.passed |= bit }
    }

    /// These positions moved one place on, after a transform noted at position 0.
    func shifted(transformPassed: Bool) -> FilterPositions {
        var result = FilterPositions()
        result.evaluated = evaluated << 1
        result.passed = passed << 1
        result.note(0, passed: transformPassed)
        return result
    }

    /// The first position, in evaluation order, whose filter was evaluated and failed: the one counted as rejecting
    /// the event when the dependency rejects it.
    public var firstFailure: Int? {
        let failed = evaluated & ~passed
        return failed == 0 ? nil : failed.trailingZeroBitCount
    }
}

extension Dependency {
    /// The dependency's transform and filters in the order they are evaluated: the transform, each `exprs` filter,
    /// each `data` filter, the `context` filter, the `time` filter, the `script`. Positions in this list are the
    /// positions of ``FilterPositions``.
    public var filterDescriptions: [FilterDescription] {
        var descriptions: [FilterDescription] = []
        if let transform { descriptions.append(FilterDescription(kind: "transform", text: transform.summary)) }
        guard let filters else { return descriptions }
        for filter in filters.exprs ?? [] { descriptions.append(FilterDescription(kind: "exprs", text: filter.source)) }
        for filter in filters.data ?? [] { descriptions.append(FilterDescription(kind: "data", text: filter.summary)) }
        if let context = filters.context {
            descriptions.append(FilterDescription(kind: "context", text: context.summary))
        }
        if let time = filters.time { descriptions.append(FilterDescription(kind: "time", text: time.summary)) }
        if let script = filters.script { descriptions.append(FilterDescription(kind: "script", text: script.source)) }
        return descriptions
    }
}

extension EventTransformation {
    /// `<kind>: <source>`, as `explain` names a transform.
    var summary: String { "\(kind): \(source)" }
}

extension ContextFilter {
    /// The attributes compared, `name=value` separated by spaces (`type=order.created source=shop`).
    var summary: String {
        [("type", type), ("subject", subject), ("source", source), ("datacontenttype", dataContentType)]
            .compactMap { name, expected in expected.map { "\(name)=\($0)" } }.joined(separator: " ")
    }
}

extension TimeFilter {
    /// `<start>-<stop> <zone>`.
    var summary: String { "\(start)-\(stop) \(zone)" }
}
