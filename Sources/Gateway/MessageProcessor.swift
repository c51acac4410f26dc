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
    private enum Step {
        case done
        case retry(after: Duration?)
        case deadLettered
    }

    /// Decode → match dependencies → filters → correlate → dispatch, ending in one disposition: ``screen`` then
    /// ``finish(_:message:executions:)``.
    func process(_ message: InboundMessage, bindings: [SensorSet.Binding], executions: Permits? = nil) async
        -> MessageDisposition
    {
        let dependencies = dependencies(bindings)
        let screening = message.payload.withUnsafeBytes { payload in
            screen(
                payload: payload, headers: message.headers, dependencies: dependencies, logger: { logger(for: message) }
            )
        }
        return await finish(screening, message: message, executions: executions)
    }

    /// The asynchronous part: dead-letters an undecodable message, or offers the event to each trigger (holding it
    /// for a correlation, or executing the trigger), and says what the message's disposition is.
    /// - Parameter executions: the permits a firing takes for its execution; `nil` when the caller holds one for
    ///   the whole message.
    func finish(_ screening: Screening, message: InboundMessage, executions: Permits? = nil) async
        -> MessageDisposition
    {
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
                    executions: executions, logger: logger))
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
        _ event: Event, binding: SensorSet.Binding, trigger: Trigger, message: InboundMessage, executions: Permits?,
        logger: Logger
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
            if let executions { await executions.acquire() }
            defer { executions?.release() }
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
