import EventModel
import Logging
import SensorEngine
import SensorLanguage
import SensorModel

/// The synchronous part of a message's processing: decode, the dependencies bound to its subject, their filters.
extension MessageProcessor {
    /// What screening found in a message: the synchronous part of its processing (decode, dependencies, filters).
    enum Screening: Sendable {
        /// No dependency's filters let it through (or none watches its subject): it only needs its ack.
        case filteredOut
        /// It passed the filters of these dependencies; offering it to their triggers is the asynchronous part.
        case offers(Event, [Offer])
        /// It is not a decodable CloudEvent: it is dead-lettered.
        case undecodable(EventDecodingError)

        /// Whether every trigger the event is offered to correlates several dependencies: the event is held, or
        /// executes a trigger only when it completes a condition.
        var correlatesOnly: Bool {
            guard case .offers(_, let offers) = self else { return false }
            return offers.allSatisfy { $0.binding.correlatesOnly }
        }
    }

    /// A trigger that a dependency's event is offered to.
    struct Offer: Sendable {
        let binding: SensorSet.Binding
        let trigger: Trigger
        /// The event as the dependency's transform left it; `nil`: the screened event itself.
        let transformed: Event?
    }

    /// The dependencies bound to a subject, with their index and counters: made once per set of sensors, not per
    /// event.
    struct SubjectDependencies: Sendable {
        let bindings: [SensorSet.Binding]
        /// Which of `bindings` an event can pass.
        let index: DependencyIndex
        /// The keys of a map `data` that the filters of `bindings` read; `nil`: some read more.
        let dataKeys: Set<String>?
        fileprivate let counters: [GatewayMetrics.DependencyCounters]
        /// What `/api/sensors` shows of each binding.
        fileprivate let screening: [ScreeningCounters.DependencyCounts]
        /// Where each binding's filter counts start in ``ScreeningTally``'s `filters` (two values per filter).
        fileprivate let filterOffsets: [Int]
        /// How many of each binding's filters are counted.
        fileprivate let filtersTracked: [Int]
        /// How many values a tally's `filters` holds.
        fileprivate let filterValues: Int
    }

    /// What screening left to count: the events screened, how many of them each dependency was offered, passed and
    /// filtered out, and per filter its passes and rejections. Every dependency receives each event screened, and one
    /// the index ruled an event out for rejected it: all of it is counted when the tally is recorded, once per batch,
    /// not per event.
    struct ScreeningTally: Sendable {
        fileprivate var events = 0
        fileprivate var offered: [Int]
        fileprivate var passed: [Int]
        fileprivate var filtered: [Int]
        fileprivate var filters: [Int]

        /// Counts a dependency's verdict: each filter evaluated that passed, and the first that failed when it was
        /// rejected.
        fileprivate mutating func count(
            _ verdict: FilterVerdict, binding index: Int, in dependencies: SubjectDependencies
        ) {
            let offset = dependencies.filterOffsets[index]
            let tracked = dependencies.filtersTracked[index]
            if verdict.passed {
                passed[index] += 1
            } else {
                filtered[index] += 1
                if let failure = verdict.positions.firstFailure, failure < tracked {
                    filters[offset + 2 * failure + 1] += 1
                }
            }
            var remaining = verdict.positions.passed
            while remaining != 0 {
                let position = remaining.trailingZeroBitCount
                remaining &= remaining - 1
                if position < tracked { filters[offset + 2 * position] += 1 }
            }
        }
    }

    /// `bindings` with their index and counters.
    func dependencies(_ bindings: [SensorSet.Binding]) -> SubjectDependencies {
        let screening = bindings.map { binding in
            state.screening.counts(
                sensor: binding.sensor.name, dependency: binding.dependency.name,
                filters: binding.dependency.filterDescriptions)
        }
        var offsets: [Int] = []
        var values = 0
        for counts in screening {
            offsets.append(values)
            values += 2 * counts.tracked
        }
        return SubjectDependencies(
            bindings: bindings, index: DependencyIndex(bindings.map(\.dependency)),
            // A dependency without filters passes every event to its triggers, which need all of it: decoded whole
            // once, not reduced and then whole.
            dataKeys: bindings.reduce(Set<String>?.some([])) { keys, binding in
                guard let keys, binding.dependency.filters != nil, let read = binding.dependency.dataKeysRead else {
                    return nil
                }
                return keys.union(read)
            },
            counters: bindings.map {
                metrics.dependencyCounters(sensor: $0.sensor.name, dependency: $0.dependency.name)
            }, screening: screening, filterOffsets: offsets, filtersTracked: screening.map(\.tracked),
            filterValues: values)
    }

    /// An empty tally for `dependencies`.
    func tally(_ dependencies: SubjectDependencies) -> ScreeningTally {
        let zeros = Array(repeating: 0, count: dependencies.bindings.count)
        return ScreeningTally(
            offered: zeros, passed: zeros, filtered: zeros,
            filters: Array(repeating: 0, count: dependencies.filterValues))
    }

    /// Counts the events screened as received by every dependency, those a dependency was not offered as filtered
    /// out by it, and what each dependency and filter passed and rejected.
    func record(_ tally: ScreeningTally, _ dependencies: SubjectDependencies) {
        guard tally.events > 0 else { return }
        for index in dependencies.counters.indices {
            let ruledOut = tally.events - tally.offered[index]
            dependencies.counters[index].eventsReceived(tally.events, ruledOut: ruledOut)
            let offset = dependencies.filterOffsets[index]
            let screening = dependencies.screening[index]
            screening.add(
                passed: tally.passed[index], rejected: ruledOut + tally.filtered[index],
                filters: tally.filters[offset..<offset + 2 * screening.tracked])
        }
    }

    /// ``screen(payload:headers:dependencies:tally:logger:record:)`` of one message, counted at once.
    func screen(
        payload: UnsafeRawBufferPointer, headers: [String: String], dependencies: SubjectDependencies,
        logger: () -> Logger, record: ScreeningRecord? = nil
    ) -> Screening {
        var tally = tally(dependencies)
        let screening = screen(
            payload: payload, headers: headers, dependencies: dependencies, tally: &tally, logger: logger,
            record: record)
        self.record(tally, dependencies)
        return screening
    }

    /// Decodes the payload and runs the filters of the dependencies bound to its subject that the index offers it
    /// to, counting what their filters rejected (what every dependency received, and what the index ruled out, in
    /// `tally`). Synchronous and
    /// free of I/O, so a consumer screens a whole batch in one task and gives a message that passes no filter its
    /// ack without a task or a copy of the message.
    ///
    /// Of a map `data`, only the entries the filters read are decoded (``SubjectDependencies/dataKeys``); the whole
    /// event is decoded for the triggers it is offered to, or when it is logged at debug level or traced.
    /// - Parameters:
    ///   - logger: the message's logger, made only if something is logged.
    ///   - record: where the event and each dependency's verdict are noted for the message's spans, when traced.
    func screen(
        payload: UnsafeRawBufferPointer, headers: [String: String], dependencies: SubjectDependencies,
        tally: inout ScreeningTally, logger: () -> Logger, record: ScreeningRecord? = nil
    ) -> Screening {
        // At debug level, and for a traced message, every dependency is evaluated, so each one that filters the event
        // out says why (in its log line, or its filter span).
        let explained = self.logger.logLevel <= .debug || record != nil
        let dataKeys = explained ? nil : dependencies.dataKeys
        var event: Event
        do throws(EventDecodingError) {
            event =
                if let dataKeys {
                    try CloudEventCodec.decode(payload: payload, headers: headers, dataKeys: dataKeys)
                } else {
                    try CloudEventCodec.decode(payload: payload, headers: headers)
                }
        } catch {
            record?.failed(error)
            return .undecodable(error)
        }
        record?.decoded(event)
        tally.events += 1
        let candidates =
            explained ? Array(dependencies.bindings.indices) : dependencies.index.candidates(for: event)
        var offers: [Offer] = []
        let replaySensor = headers[ReplayHeaders.sensor]
        let replayTrigger = replaySensor == nil ? nil : headers[ReplayHeaders.trigger]
        // Indices, not `for binding in`: iterating would copy (retain and release) each binding per event.
        for index in candidates {
            tally.offered[index] += 1
            let binding = dependencies.bindings[index]
            if let replaySensor, binding.sensor.name != replaySensor { continue }
            let counters = dependencies.counters[index]
            let started = record?.now()
            // A transform gives the dependency an event of its own; without one, the filters are evaluated in
            // place: `if let filters = …` would copy the filters (and retain their every field).
            var transformed: Event?
            var rejection: FilterVerdict?
            if binding.dependency.transform != nil {
                let (screenedEvent, verdict) = binding.dependency.screen(event, recordChecks: false)
                tally.count(verdict, binding: index, in: dependencies)
                if verdict.passed { transformed = screenedEvent } else { rejection = verdict }
            } else if let verdict = binding.dependency.filters?.evaluate(
                event, operation: binding.dependency.filtersLogicalOperator, recordChecks: false)
            {
                tally.count(verdict, binding: index, in: dependencies)
                if !verdict.passed { rejection = verdict }
            } else {
                tally.passed[index] += 1
            }
            if let started {
                record?.record(
                    sensor: binding.sensor.name, dependency: binding.dependency.name, verdict: rejection,
                    since: started)
            }
            if let verdict = rejection {
                counters.eventFiltered(failed: !verdict.errors.isEmpty)
                if self.logger.logLevel <= .debug {
                    var logger = logger()
                    logger[metadataKey: LoggingKeys.eventID] = "\(event.id)"
                    logger[metadataKey: LoggingKeys.sensor] = "\(binding.sensor.name)"
                    logger[metadataKey: LoggingKeys.dependency] = "\(binding.dependency.name)"
                    logger.debug("filtered out", metadata: ["reason": "\(verdict.errors.first ?? "filter")"])
                }
                continue
            }
            for trigger in binding.triggers {
                if let replayTrigger, trigger.name != replayTrigger { continue }
                offers.append(Offer(binding: binding, trigger: trigger, transformed: transformed))
            }
        }
        guard !offers.isEmpty else { return .filteredOut }
        if dataKeys != nil {
            // The filters saw the entries they read; the triggers get the whole event (it decodes, as its reduced
            // form did: both reject the same messages).
            do throws(EventDecodingError) {
                event = try CloudEventCodec.decode(payload: payload, headers: headers)
            } catch {
                return .undecodable(error)
            }
        }
        return .offers(event, offers)
    }
}
