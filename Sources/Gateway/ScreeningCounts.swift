public import SensorEngine
import Synchronization

/// How many events one dependency, and each of its filters, passed and rejected.
///
/// The dependency rejects an event its filters reject, and one the sensor index ruled out without evaluating them. A
/// filter passed an event when it was evaluated and passed; it rejected one when the dependency rejected the event
/// and this filter was the first, in evaluation order, that failed (or could not be evaluated) for it. A filter
/// evaluation does not reach (`and` stops at a failing data or expr filter, `or` at a passing one; data, expr and
/// script filters are skipped for an event without data) counts nothing.
public struct ScreeningCounts: Sendable, Hashable {
    /// Events that passed the dependency's filters.
    public var passed = 0
    /// Events the dependency rejected (its filters or the sensor index).
    public var rejected = 0
    /// Per filter, by position in ``SensorModel/Dependency/filterDescriptions``: events it passed.
    public var filtersPassed: [Int]
    /// Per filter: events it rejected.
    public var filtersRejected: [Int]

    /// Zero counts for `filters` filters.
    public init(filters: Int) {
        filtersPassed = Array(repeating: 0, count: filters)
        filtersRejected = Array(repeating: 0, count: filters)
    }
}

/// The ``ScreeningCounts`` of every dependency, since the gateway started or since a reload changed the dependency's
/// filters. A consumer adds its tallies once per batch (``DependencyCounts/add(passed:rejected:filters:)``), never
/// per event.
public final class ScreeningCounters: Sendable {
    /// The counts of one dependency of one sensor; a consumer keeps it for as long as its bindings stay.
    public final class DependencyCounts: Sendable {
        /// The filters counted, as described when the counts started.
        let filters: [FilterDescription]
        private let counts: Mutex<ScreeningCounts>

        init(filters: [FilterDescription]) {
            self.filters = filters
            counts = Mutex(ScreeningCounts(filters: min(filters.count, FilterPositions.capacity)))
        }

        /// How many filter positions are counted.
        var tracked: Int { min(filters.count, FilterPositions.capacity) }

        /// Adds a batch's tally.
        /// - Parameter filters: per tracked filter, its passes then its rejections (`2 × tracked` values).
        func add(passed: Int, rejected: Int, filters: ArraySlice<Int>) {
            counts.withLock { counts in
                counts.passed += passed
                counts.rejected += rejected
                var index = filters.startIndex
                for position in counts.filtersPassed.indices {
                    counts.filtersPassed[position] += filters[index]
                    counts.filtersRejected[position] += filters[index + 1]
                    index += 2
                }
            }
        }

        /// The counts now.
        public var current: ScreeningCounts { counts.withLock { $0 } }
    }

    private struct Key: Hashable {
        let sensor: String
        let dependency: String
    }

    private let table = Mutex<[Key: DependencyCounts]>([:])

    /// No counts yet.
    public init() {}

    /// The counts of `dependency` of `sensor`: the running ones while its filters stay as `filters` describes,
    /// new ones (from zero) when they changed.
    func counts(sensor: String, dependency: String, filters: [FilterDescription]) -> DependencyCounts {
        let key = Key(sensor: sensor, dependency: dependency)
        return table.withLock { table in
            if let existing = table[key], existing.filters == filters { return existing }
            let fresh = DependencyCounts(filters: filters)
            table[key] = fresh
            return fresh
        }
    }

    /// The counts of `dependency` of `sensor`, if it has any; `nil` also when its filters are no longer `filters`.
    public func current(sensor: String, dependency: String, filters: [FilterDescription]) -> ScreeningCounts? {
        let entry = table.withLock { $0[Key(sensor: sensor, dependency: dependency)] }
        guard let entry, entry.filters == filters else { return nil }
        return entry.current
    }

    /// Forgets the counts of the sensors not in `sensors`.
    func keep(sensors: Set<String>) {
        table.withLock { table in table = table.filter { sensors.contains($0.key.sensor) } }
    }
}
