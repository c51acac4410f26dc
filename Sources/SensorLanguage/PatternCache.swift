import Synchronization

/// The regular expressions an expression meets only at evaluation time (`=~` or `!~` with a field on the right),
/// each compiled once and kept for the next evaluations of the same filter. It holds at most ``capacity`` patterns
/// and starts over when full, so events that each bring a new pattern cost one compile each and bounded memory.
package final class PatternCache: Sendable {
    /// The most patterns kept.
    package static let capacity = 32

    private let patterns = Mutex<[String: TextPattern]>([:])

    package init() {}

    /// The compiled `source`: the cached one, or compiled now and cached.
    /// - Throws: ``TextPatternError`` when `source` does not compile (not cached: it is compiled again next time).
    package func pattern(_ source: String) throws(TextPatternError) -> TextPattern {
        if let known = patterns.withLock({ $0[source] }) { return known }
        let compiled = try TextPattern(source)
        patterns.withLock { patterns in
            if patterns.count >= Self.capacity { patterns.removeAll(keepingCapacity: true) }
            patterns[source] = compiled
        }
        return compiled
    }
}
