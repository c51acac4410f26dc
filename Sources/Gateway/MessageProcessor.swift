import EventModel
import Foundation
import JetStream
import Logging
import SensorEngine
import SensorLanguage
import SensorModel
import Triggers

/// The one disposition a message gets.
enum MessageDisposition: Sendable, Equatable, CustomStringConvertible {
    /// Everything it caused is durable.
    case ack
    /// Redeliver after the delay.
    case nak(Duration)
    /// Never redeliver (it was dead-lettered).
    case term

    var description: String {
        switch self {
        case .ack: "ack"
        case .nak(let delay): "nak(\(delay))"
        case .term: "term"
        }
    }
}

/// What the pipeline needs to publish dead letters; the JetStream connection in the daemon.
protocol DeadLetterPublishing: Sendable {
    /// Publishes and waits for the stream to store the message.
    func publishDeadLetter(_ message: OutgoingMessage) async throws
}

extension NATSConnection: DeadLetterPublishing {
    func publishDeadLetter(_ message: OutgoingMessage) async throws {
        _ = try await publish(message)
    }
}

/// The header names of a dead letter.
public enum DeadLetterHeaders {
    /// Why the message was dead-lettered.
    public static let reason = "Sensor-Gateway-Reason"
    /// The sensor (empty for an undecodable message).
    public static let sensor = "Sensor-Gateway-Sensor"
    /// The trigger (empty for an undecodable message).
    public static let trigger = "Sensor-Gateway-Trigger"
    /// The firing's ``SensorEngine/FiringIdentity/id``, as in its log lines and in the names and labels of what it
    /// created (absent for an undecodable message).
    public static let firing = "Sensor-Gateway-Firing"
    /// The subject the event was published to.
    public static let subject = "Sensor-Gateway-Subject"
    /// The event's sequence in its stream.
    public static let streamSequence = "Sensor-Gateway-Stream-Sequence"
    /// How often the message had been delivered.
    public static let deliveries = "Sensor-Gateway-Deliveries"
}

/// The headers of a replayed dead letter (`sensor-gateway dlq replay`) that send it to one sensor's trigger: the
/// other sensors on its subject, and the sensor's other triggers, pass over it.
public enum ReplayHeaders {
    /// The only sensor the message is for.
    public static let sensor = "Sensor-Gateway-Replay-Sensor"
    /// The only trigger of that sensor the message is for; absent: every trigger of the sensor.
    public static let trigger = "Sensor-Gateway-Replay-Trigger"
}

/// One message's view, independent of JetStream so the pipeline can be driven by tests.
struct InboundMessage: Sendable {
    var subject: String
    var payload: [UInt8]
    var headers: [String: String]
    var stream: String
    var streamSequence: UInt64
    var deliveries: UInt64
    var isLastDelivery: Bool
    /// When the stream stored it.
    var publishedAt: Date?
    /// From this instant on another replica may be processing a redelivered copy: in-progress heartbeats keep the
    /// server from redelivering a message held here, but they can be lost (while the stream's leader changes, or the
    /// connection is re-established). `nil`: never.
    var redeliveryPossibleFrom: ContinuousClock.Instant? = nil

    /// Whether what the message completes may have been executed, or be executing, elsewhere: it was delivered
    /// before, or it has been held past ``redeliveryPossibleFrom``.
    var mayBeRepeated: Bool {
        deliveries > 1 || redeliveryPossibleFrom.map { ContinuousClock.now >= $0 } ?? false
    }
}

/// Decode → match dependencies → filters → correlate → dispatch, for one message, ending in one disposition.
///
/// A message is acked only once everything it caused is durable (held in the correlation store, or the trigger
/// succeeded or was already done, or a dead letter stored); a retryable failure naks it with a delay; a permanent
/// failure, an exhausted one (last delivery) or an undecodable message is dead-lettered and terminated.
struct MessageProcessor: Sendable {
    let correlator: Correlator
    let dispatcher: any TriggerDispatching
    let deadLetters: any DeadLetterPublishing
    let dlqSubject: String
    /// The nak delay of a first delivery's retryable failure that names none; doubled on each further delivery.
    let retryDelay: Duration
    let metrics: GatewayMetrics
    let state: GatewayState
    let logger: Logger
    /// The spans of correlations and triggers; `nil`: tracing is off.
    var tracer: PipelineTracer? = nil

    /// The result of one trigger's part in a message.
    private enum Step {
        case done
        case retry(after: Duration?)
        case deadLettered
    }

    /// What screening found in a message: the synchronous part of its processing (decode, dependencies, filters).
    enum Screening: Sendable {
        /// No dependency's filters let it through (or none watches its subject): it only needs its ack.
        case filteredOut
        /// It passed the filters of these dependencies; offering it to their triggers is the asynchronous part.
        case offers(Event, [Offer])
        /// It is not a decodable CloudEvent: it is dead-lettered.
        case undecodable(EventDecodingError)
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
            dataKeys: bindings.reduce(Set<String>?.some([])) { keys, binding in
                guard let keys, let read = binding.dependency.dataKeysRead else { return nil }
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

    /// Decode → match dependencies → filters → correlate → dispatch, ending in one disposition: ``screen`` then
    /// ``finish(_:message:)``.
    func process(_ message: InboundMessage, bindings: [SensorSet.Binding]) async -> MessageDisposition {
        let dependencies = dependencies(bindings)
        let screening = message.payload.withUnsafeBytes { payload in
            screen(
                payload: payload, headers: message.headers, dependencies: dependencies, logger: { logger(for: message) }
            )
        }
        return await finish(screening, message: message)
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
            for trigger in binding.sensor.triggers where trigger.conditions.names.contains(binding.dependency.name) {
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

    /// The asynchronous part: dead-letters an undecodable message, or offers the event to each trigger (holding it
    /// for a correlation, or executing the trigger), and says what the message's disposition is.
    func finish(_ screening: Screening, message: InboundMessage) async -> MessageDisposition {
        var logger = logger(for: message)
        if let traceID = tracer?.currentTraceID { logger[metadataKey: LoggingKeys.traceID] = "\(traceID)" }
        let event: Event
        let offers: [Offer]
        switch screening {
        case .filteredOut:
            return .ack
        case .undecodable(let error):
            metrics.eventInvalid(reason: error.code)
            logger.warning("undecodable message", metadata: [LoggingKeys.error: "\(error)"])
            let stored = await deadLetter(
                message, reason: "undecodable: \(error)", kind: "undecodable", sensor: "", trigger: "", logger: logger)
            return stored ? .term : .nak(Self.backoff(retryDelay, deliveries: message.deliveries))
        case .offers(let screenedEvent, let screenedOffers):
            event = screenedEvent
            offers = screenedOffers
        }
        var steps: [Step] = []
        for offer in offers {
            var logger = logger
            logger[metadataKey: LoggingKeys.eventID] = "\(event.id)"
            logger[metadataKey: LoggingKeys.sensor] = "\(offer.binding.sensor.name)"
            logger[metadataKey: LoggingKeys.dependency] = "\(offer.binding.dependency.name)"
            logger[metadataKey: LoggingKeys.trigger] = "\(offer.trigger.name)"
            steps.append(
                await self.offer(
                    offer.transformed ?? event, binding: offer.binding, trigger: offer.trigger, message: message,
                    logger: logger))
        }
        var delays: [Duration] = []
        var deadLettered = false
        for step in steps {
            switch step {
            case .done: break
            case .deadLettered: deadLettered = true
            case .retry(let after): delays.append(after ?? Self.backoff(retryDelay, deliveries: message.deliveries))
            }
        }
        if let delay = delays.max() { return .nak(delay) }
        return deadLettered ? .term : .ack
    }

    /// The pipeline's logger with the message's subject, stream sequence and delivery count.
    private func logger(for message: InboundMessage) -> Logger {
        var logger = self.logger
        logger[metadataKey: LoggingKeys.subject] = "\(message.subject)"
        logger[metadataKey: LoggingKeys.streamSequence] = "\(message.streamSequence)"
        logger[metadataKey: LoggingKeys.deliveries] = "\(message.deliveries)"
        return logger
    }

    /// `first` doubled for each delivery after the first, at most 32 times `first`: with `max_deliver` 5 and 5 s,
    /// a failure is retried after 5, 10, 20 and 40 s, so an outage of over a minute passes before the DLQ.
    static func backoff(_ first: Duration, deliveries: UInt64) -> Duration {
        first * (1 << Int(min(max(deliveries, 1) - 1, 5)))
    }

    /// Offers the event to one trigger and, when it fires, executes it.
    private func offer(
        _ event: Event, binding: SensorSet.Binding, trigger: Trigger, message: InboundMessage, logger: Logger
    ) async -> Step {
        let sensor = binding.sensor
        let outcome: CorrelationOutcome
        let span = tracer?.correlate(sensor: sensor.name, trigger: trigger.name, dependency: binding.dependency.name)
        do {
            outcome = try await correlator.correlate(
                event, dependency: binding.dependency.name, trigger: trigger, sensor: sensor.name)
            span?.end(outcome.decision)
        } catch {
            span?.end(failure: error)
            logger.warning("correlation store failed", metadata: [LoggingKeys.error: "\(error)"])
            return .retry(after: nil)
        }
        switch outcome.decision {
        case .ignored, .duplicate:
            if outcome.decision == .duplicate { logger.info("already consumed by an earlier firing") }
            return .done
        case .hold(let satisfied, let evicted):
            let count = state.setPending(
                sensor: sensor.name, trigger: trigger.name, held: outcome.held.map(HeldDependency.init))
            metrics.setCorrelationsPending(sensor: sensor.name, count: count)
            if evicted > 0 {
                // The replaced event was acknowledged when it was held; only the count records it now.
                metrics.correlationsEvicted(sensor: sensor.name, count: evicted)
                logger.debug("replaced the older held event of the dependency")
            }
            logger.info(
                "held until the condition holds", metadata: ["satisfied": "\(satisfied.joined(separator: ","))"])
            return .done
        case .fire(let events):
            let count = state.setPending(sensor: sensor.name, trigger: trigger.name, held: [])
            metrics.setCorrelationsPending(sensor: sensor.name, count: count)
            return await fire(trigger, sensor: sensor, events: events, message: message, logger: logger)
        }
    }

    /// Executes the trigger of a firing; every line it logs carries the firing's id (``LoggingKeys/firing``), as do
    /// the names of what it creates and its dead letter.
    private func fire(
        _ trigger: Trigger, sensor: Sensor, events: [String: Event], message: InboundMessage, logger: Logger
    )
        async -> Step
    {
        var firing = TriggerFiring(trigger, sensor: sensor, events: events, isRepeat: message.mayBeRepeated)
        let id = firing.identity.id
        var logger = logger
        logger[metadataKey: LoggingKeys.firing] = "\(id)"
        guard !Task.isCancelled else {
            logger.info("shutting down: the trigger is left for the redelivery")
            return .retry(after: .zero)
        }
        let traced = tracer?.trigger(sensor: sensor.name, trigger: trigger.name, firing: id)
        firing.trace = traced?.trace
        let clock = ContinuousClock()
        let started = clock.now
        let execution = await dispatcher.execute(firing)
        let elapsed = clock.now - started
        if let traced { PipelineTracer.end(traced.span, execution: execution, trace: traced.trace) }
        let outcome = execution.outcome
        let eventIDs = events.keys.sorted().compactMap { events[$0]?.id }
        let (label, detail) = Self.describe(outcome)
        metrics.triggerExecuted(
            sensor: sensor.name, trigger: trigger.name, engine: execution.engine, route: execution.route,
            outcome: label, duration: elapsed)
        state.recordFiring(
            FiringRecord(
                id: id, sensor: sensor.name, trigger: trigger.name, eventIDs: eventIDs, engine: execution.engine,
                route: execution.route, outcome: label, detail: detail, duration: elapsed, at: SystemClock().now,
                traceID: firing.trace?.traceID))
        logger[metadataKey: LoggingKeys.engine] = "\(execution.engine)"
        if !execution.route.isEmpty { logger[metadataKey: LoggingKeys.route] = "\(execution.route)" }
        let metadata: Logger.Metadata = ["outcome": "\(label)", "detail": "\(detail)"]
        switch outcome {
        case .succeeded, .alreadyDone:
            if let publishedAt = message.publishedAt {
                let seconds = max(0, Date().timeIntervalSince(publishedAt))
                metrics.eventToTrigger(.nanoseconds(Int64(seconds * 1e9)))
            }
            logger.info("trigger executed", metadata: metadata)
            return await complete(id, trigger: trigger, sensor: sensor, logger: logger)
        case .retryable(let reason, let after):
            guard message.isLastDelivery else {
                logger.warning("trigger failed, will retry", metadata: metadata)
                return .retry(after: after)
            }
            logger.error("trigger failed on the last delivery", metadata: metadata)
            return await giveUp(
                id, reason: "exhausted: \(reason)", kind: "exhausted", trigger: trigger, sensor: sensor,
                events: events, message: message, logger: logger)
        case .permanent(let reason):
            logger.error("trigger failed permanently", metadata: metadata)
            return await giveUp(
                id, reason: "permanent: \(reason)", kind: "permanent", trigger: trigger, sensor: sensor,
                events: events, message: message, logger: logger)
        }
    }

    /// Runs the trigger's `dlqTrigger` with the same events, if it has one, dead-letters the message for this
    /// trigger, then forgets the firing.
    private func giveUp(
        _ firing: String, reason: String, kind: String, trigger: Trigger, sensor: Sensor, events: [String: Event],
        message: InboundMessage, logger: Logger
    ) async -> Step {
        if let dlqTrigger = trigger.dlqTrigger {
            await fireDLQTrigger(dlqTrigger, sensor: sensor, events: events, logger: logger)
        }
        guard
            await deadLetter(
                message, reason: reason, kind: kind, sensor: sensor.name, trigger: trigger.name, firing: firing,
                logger: logger)
        else { return .retry(after: nil) }
        return await complete(firing, trigger: trigger, sensor: sensor, logger: logger, afterDeadLetter: true)
    }

    /// Executes a `dlqTrigger` once, with its own retry strategy, counted and logged as a trigger of its own (its
    /// firing id in `firing`, the failed firing's in `failedFiring`). Its failure changes nothing else: the message is
    /// dead-lettered either way, so nothing is lost.
    private func fireDLQTrigger(_ dlqTrigger: Trigger, sensor: Sensor, events: [String: Event], logger: Logger) async {
        let firing = TriggerFiring(dlqTrigger, sensor: sensor, events: events)
        var logger = logger
        logger[metadataKey: LoggingKeys.failedFiring] = logger[metadataKey: LoggingKeys.firing]
        logger[metadataKey: LoggingKeys.firing] = "\(firing.identity.id)"
        logger[metadataKey: LoggingKeys.trigger] = "\(dlqTrigger.name)"
        let clock = ContinuousClock()
        let started = clock.now
        let execution = await dispatcher.execute(firing)
        let (label, detail) = Self.describe(execution.outcome)
        metrics.triggerExecuted(
            sensor: sensor.name, trigger: dlqTrigger.name, engine: execution.engine, route: execution.route,
            outcome: label, duration: clock.now - started)
        state.recordOutcome(
            sensor: sensor.name, trigger: dlqTrigger.name,
            GatewayState.OutcomeRecord(
                outcome: label, detail: detail, eventIDs: events.keys.sorted().compactMap { events[$0]?.id },
                at: SystemClock().now))
        let metadata: Logger.Metadata = ["outcome": "\(label)", "detail": "\(detail)"]
        switch execution.outcome {
        case .succeeded, .alreadyDone: logger.info("dlqTrigger executed", metadata: metadata)
        case .retryable, .permanent:
            logger.error("dlqTrigger failed; the dead letter keeps the event", metadata: metadata)
        }
    }

    /// Forgets the recorded firing; if that fails the message is redelivered, finds the firing again and repeats
    /// it, which the engine (or the outbox) recognises as already done.
    private func complete(
        _ firing: String, trigger: Trigger, sensor: Sensor, logger: Logger, afterDeadLetter: Bool = false
    ) async -> Step {
        do {
            // A trigger that fires on each event recorded no firing.
            if !trigger.firesOnEachEvent {
                try await correlator.complete(firing: firing, trigger: trigger.name, sensor: sensor.name)
            }
        } catch {
            logger.warning("could not record the firing complete", metadata: [LoggingKeys.error: "\(error)"])
            return .retry(after: nil)
        }
        return afterDeadLetter ? .deadLettered : .done
    }

    /// Publishes the message to the dead-letter subject with the reason headers.
    /// - Parameter firing: the firing's ``FiringIdentity/id``; empty for a message that caused none.
    /// - Returns: whether the stream stored it.
    private func deadLetter(
        _ message: InboundMessage, reason: String, kind: String, sensor: String, trigger: String, firing: String = "",
        logger: Logger
    ) async -> Bool {
        var headers = message.headers
        headers[DeadLetterHeaders.reason] = reason
        headers[DeadLetterHeaders.sensor] = sensor
        headers[DeadLetterHeaders.trigger] = trigger
        if firing.isEmpty {
            headers.removeValue(forKey: DeadLetterHeaders.firing)
        } else {
            headers[DeadLetterHeaders.firing] = firing
        }
        headers[DeadLetterHeaders.subject] = message.subject
        headers[DeadLetterHeaders.streamSequence] = "\(message.streamSequence)"
        headers[DeadLetterHeaders.deliveries] = "\(message.deliveries)"
        let outgoing = OutgoingMessage(
            subject: dlqSubject, data: message.payload, headers: headers,
            messageID: "\(message.stream)-\(message.streamSequence)-\(sensor)-\(trigger)")
        do {
            try await deadLetters.publishDeadLetter(outgoing)
        } catch {
            logger.error("dead-letter publish failed", metadata: [LoggingKeys.error: "\(error)"])
            return false
        }
        metrics.deadLettered(sensor: sensor, reason: kind)
        logger.warning("dead-lettered", metadata: ["reason": "\(reason)"])
        return true
    }

    /// The `outcome` label and the detail (or reason) of an outcome.
    static func describe(_ outcome: TriggerOutcome) -> (String, String) {
        switch outcome {
        case .succeeded(let detail), .alreadyDone(let detail): (outcome.label, detail)
        case .retryable(let reason, _), .permanent(let reason): (outcome.label, reason)
        }
    }
}
