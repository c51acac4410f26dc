import EventModel
import Foundation
import JetStream
import Logging
import SensorEngine
import SensorLanguage
import SensorModel
import Triggers

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
    enum Step: Sendable {
        case done
        case retry(after: Duration?)
        case deadLettered
    }

    /// What offering an event to one trigger came to: a step already final, or a firing still to execute.
    enum OfferResult: Sendable {
        case settled(Step)
        case firing(Trigger, sensor: Sensor, events: [String: Event], logger: Logger)

        /// Whether the offer fired its trigger, which is still to be executed.
        var fires: Bool {
            if case .firing = self { return true }
            return false
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
        var results: [OfferResult] = []
        for offer in offers {
            let logger = Self.logger(logger, event: event, offer: offer)
            results.append(await correlate(offer.transformed ?? event, offer: offer, logger: logger))
        }
        return await execute(results, message: message)
    }

    /// Correlates the events of several screened messages at once, each offered only to triggers that correlate
    /// several dependencies (``Screening/correlatesOnly``): the changes to each trigger's state are committed in one
    /// write. Events are held (and their offers settled) or fire; ``execute(_:message:)`` executes the firings and
    /// says each message's disposition.
    /// - Returns: each message's offer results, in order.
    func correlate(_ messages: [(event: Event, offers: [Offer], message: InboundMessage)]) async -> [[OfferResult]] {
        let requests = messages.flatMap { item in
            item.offers.map { offer in
                Correlator.Offer(
                    offer.transformed ?? item.event, dependency: offer.binding.dependency.name, trigger: offer.trigger,
                    sensor: offer.binding.sensor.name)
            }
        }
        var outcomes = await correlator.correlate(requests)[...]
        return messages.map { item in
            let logger = logger(for: item.message)
            return item.offers.map { offer in
                // One outcome per offer; should one be missing, the message is retried, never acked unheld.
                guard let outcome = outcomes.popFirst() else { return .settled(.retry(after: nil)) }
                return result(of: outcome, offer: offer, logger: Self.logger(logger, event: item.event, offer: offer))
            }
        }
    }

    /// Executes the firings among a message's offer results, in order, and says the message's disposition.
    func execute(_ results: [OfferResult], message: InboundMessage) async -> MessageDisposition {
        var delays: [Duration] = []
        var deadLettered = false
        let lastFiring = results.lastIndex(where: \.fires)
        for (index, result) in results.enumerated() {
            let step: Step
            switch result {
            case .settled(let settled): step = settled
            case .firing(let trigger, let sensor, let events, let logger):
                step = await fire(
                    trigger, sensor: sensor, events: events, message: message, isLast: index == lastFiring,
                    logger: logger)
            }
            switch step {
            case .done: break
            case .deadLettered: deadLettered = true
            case .retry(let after): delays.append(after ?? Self.backoff(retryDelay, deliveries: message.deliveries))
            }
        }
        if let delay = delays.max() { return .nak(delay) }
        return deadLettered ? .term : .ack
    }

    /// `logger` with the event's id, the offer's sensor, dependency and trigger.
    private static func logger(_ logger: Logger, event: Event, offer: Offer) -> Logger {
        var logger = logger
        logger[metadataKey: LoggingKeys.eventID] = .string(event.id)
        logger[metadataKey: LoggingKeys.sensor] = .string(offer.binding.sensor.name)
        logger[metadataKey: LoggingKeys.dependency] = .string(offer.binding.dependency.name)
        logger[metadataKey: LoggingKeys.trigger] = .string(offer.trigger.name)
        return logger
    }

    /// The pipeline's logger with the message's subject, stream sequence and delivery count.
    private func logger(for message: InboundMessage) -> Logger {
        var logger = self.logger
        logger[metadataKey: LoggingKeys.subject] = .string(message.subject)
        logger[metadataKey: LoggingKeys.streamSequence] = "\(message.streamSequence)"
        logger[metadataKey: LoggingKeys.deliveries] = "\(message.deliveries)"
        return logger
    }

    /// `first` doubled for each delivery after the first, at most 32 times `first`: with `max_deliver` 5 and 5 s,
    /// a failure is retried after 5, 10, 20 and 40 s, so an outage of over a minute passes before the DLQ.
    static func backoff(_ first: Duration, deliveries: UInt64) -> Duration {
        first * (1 << Int(min(max(deliveries, 1) - 1, 5)))
    }

    /// Offers the event to one trigger, in a correlate span when tracing.
    private func correlate(_ event: Event, offer: Offer, logger: Logger) async -> OfferResult {
        let sensor = offer.binding.sensor
        let dependency = offer.binding.dependency.name
        let span = tracer?.correlate(sensor: sensor.name, trigger: offer.trigger.name, dependency: dependency)
        let outcome: Result<CorrelationOutcome, any Error>
        do {
            outcome = .success(
                try await correlator.correlate(
                    event, dependency: dependency, trigger: offer.trigger, sensor: sensor.name))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let success): span?.end(success.decision)
        case .failure(let error): span?.end(failure: error)
        }
        return result(of: outcome, offer: offer, logger: logger)
    }

    /// What a correlation outcome means for the message: held, ignored or a duplicate (settled), a store failure
    /// (retried), or a firing to execute.
    private func result(of correlation: Result<CorrelationOutcome, any Error>, offer: Offer, logger: Logger)
        -> OfferResult
    {
        let sensor = offer.binding.sensor
        let trigger = offer.trigger
        let outcome: CorrelationOutcome
        switch correlation {
        case .success(let success): outcome = success
        case .failure(let error):
            logger.warning("correlation store failed", metadata: [LoggingKeys.error: "\(error)"])
            return .settled(.retry(after: nil))
        }
        switch outcome.decision {
        case .ignored, .duplicate:
            if outcome.decision == .duplicate { logger.info("already consumed by an earlier firing") }
            return .settled(.done)
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
            return .settled(.done)
        case .fire(let events):
            // A trigger that fires on each event never holds one: nothing to clear.
            if !trigger.firesOnEachEvent {
                let count = state.setPending(sensor: sensor.name, trigger: trigger.name, held: [])
                metrics.setCorrelationsPending(sensor: sensor.name, count: count)
            }
            return .firing(trigger, sensor: sensor, events: events, logger: logger)
        }
    }

    /// Executes the trigger of a firing; every line it logs carries the firing's id (``LoggingKeys/firing``), as do
    /// the names of what it creates and its dead letter. When the message's last firing succeeded and leaves nothing
    /// to write, the message's permit is given back before the bookkeeping (``MessagePermit/triggersAnswered()``).
    private func fire(
        _ trigger: Trigger, sensor: Sensor, events: [String: Event], message: InboundMessage, isLast: Bool,
        logger: Logger
    )
        async -> Step
    {
        var firing = TriggerFiring(trigger, sensor: sensor, events: events, isRepeat: message.mayBeRepeated)
        let id = firing.identity.id
        var logger = logger
        logger[metadataKey: LoggingKeys.firing] = .string(id)
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
        if isLast, trigger.firesOnEachEvent, let permit = message.permit, outcome.isSuccess {
            await permit.triggersAnswered()
        }
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
        logger[metadataKey: LoggingKeys.engine] = .string(execution.engine)
        if !execution.route.isEmpty { logger[metadataKey: LoggingKeys.route] = .string(execution.route) }
        // On the firing's logger (a copy of its own by now), not as a dictionary each line would merge and sort.
        logger[metadataKey: "outcome"] = .string(label)
        logger[metadataKey: "detail"] = .string(detail)
        switch outcome {
        case .succeeded, .alreadyDone:
            if let publishedAt = message.publishedAt {
                let seconds = max(0, Date().timeIntervalSince(publishedAt))
                metrics.eventToTrigger(.nanoseconds(Int64(seconds * 1e9)))
            }
            logger.info("trigger executed")
            return await complete(id, trigger: trigger, sensor: sensor, logger: logger)
        case .retryable(let reason, let after):
            guard message.isLastDelivery else {
                logger.warning("trigger failed, will retry")
                return .retry(after: after)
            }
            logger.error("trigger failed on the last delivery")
            return await giveUp(
                id, reason: "exhausted: \(reason)", kind: "exhausted", trigger: trigger, sensor: sensor,
                events: events, message: message, logger: logger)
        case .permanent(let reason):
            logger.error("trigger failed permanently")
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
