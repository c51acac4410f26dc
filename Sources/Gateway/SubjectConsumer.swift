import EventModel
import Foundation
import JetStream
import Logging
import ServiceLifecycle
import Synchronization

/// The durable pull consumer of one subject: binds it, fetches batches of `processing.fetchBatch` messages, screens
/// each batch in its own task (decode and filters, see ``MessageProcessor/screen``), acks at once what no filter
/// lets through, and processes each message that reaches a trigger in a child task, up to
/// `processing.concurrency` at a time. The messages of a batch offered only to triggers that correlate several
/// dependencies are correlated together (one write of each trigger's state for the batch) and acked once held;
/// only those that complete a condition take a child task and a permit. Each message gets one disposition.
///
/// Stops when told (``stop()``, on a reload that removes the subject's last dependency) or on graceful shutdown:
/// it fetches no more, naks what it fetched and has not screened yet, waits up to the drain timeout for the
/// messages in flight (each is acked or nak'ed as its processing decides), then cancels the rest, which are
/// nak'ed.
final class SubjectConsumer: Sendable {
    let subject: String
    let durable: String
    private let stopped = Mutex(false)

    init(subject: String) {
        self.subject = subject
        self.durable = SensorSet.durableName(subject: subject)
    }

    /// Asks the consumer to stop after its current fetch.
    func stop() {
        stopped.withLock { $0 = true }
    }

    private var shouldStop: Bool {
        stopped.withLock { $0 } || Task.isShuttingDownGracefully || Task.isCancelled
    }

    /// Binds and consumes until stopped, on a thread of its own (``ConsumerThread``).
    func run(context: ConsumerContext) async {
        let thread = ConsumerThread(name: "consumer", idleWaiterLimit: context.concurrency)
        defer { thread.stop() }
        await withTaskExecutorPreference(thread) { await consume(context: context, thread: thread) }
    }

    private func consume(context: ConsumerContext, thread: ConsumerThread) async {
        var consumerLogger = context.logger
        consumerLogger[metadataKey: LoggingKeys.consumer] = "\(durable)"
        consumerLogger[metadataKey: LoggingKeys.subject] = "\(subject)"
        let logger = consumerLogger
        guard let consumer = await bind(context: context, logger: logger) else { return }
        context.state.setBound(durable, true)
        logger.info("consuming")
        defer { context.state.setBound(durable, false) }
        let permits = Permits(context.concurrency)
        let progress = ConsumerProgress(permits: permits)
        context.state.setProgress(durable, progress)
        defer { context.state.setProgress(durable, nil) }
        let inFlight = InFlightMessages(heartbeatEvery: context.ackWait / 3)
        let counters = context.metrics.consumerCounters(consumer: durable)
        // A pull request returns at once with what the consumer has, or with the first messages to arrive
        // (`returnsPartialBatch`: a partial batch is never held back waiting to fill up); idle, it expires after a
        // second and the next one is sent. No pull request goes out while every permit is taken (`batches` fetches
        // only when asked): the messages would only wait here, where another replica could be processing them.
        let options = PullConsumer.FetchOptions(
            batchSize: context.fetchBatch, maxWait: .seconds(1), returnsPartialBatch: true, maxBytes: Self.fetchBytes)
        let clock = ContinuousClock()
        await withDiscardingTaskGroup { group in
            // The bindings with their counters, made again only when a reload changed the bindings: a batch may hold
            // a single message, and a subject a thousand dependencies.
            var dependencies = context.processor.dependencies([])
            var batches = consumer.batches(options).makeAsyncIterator()
            while !shouldStop {
                if permits.available == 0 { await permits.waitForOne() }
                if shouldStop { break }
                let batch: [JetStreamMessage]
                do throws(NATSError) {
                    // Nil: the connection was closed, or the task cancelled.
                    guard let next = try await batches.next() else { break }
                    batch = next
                } catch {
                    logger.warning("fetch failed", metadata: [LoggingKeys.error: "\(error)"])
                    context.state.setBound(durable, false)
                    try? await Task.sleep(for: .seconds(1))
                    batches = consumer.batches(options).makeAsyncIterator()
                    continue
                }
                context.state.setBound(durable, true)
                if batch.isEmpty {
                    if context.connection.state == .connected {
                        progress.fetched(pending: 0)
                    } else {
                        // A fetch may fail at once while the connection is re-established: do not spin.
                        try? await Task.sleep(for: .milliseconds(500))
                    }
                    continue
                }
                // Heartbeats from the fetch on: a message may wait here for a permit, and on a loaded machine its
                // task may start later than the ack wait (1 s with the shipped backoff); the server would
                // redeliver it meanwhile.
                let keys = inFlight.insert(batch)
                // Half the ack wait: the server counts it from its delivery, a little before the fetch returned,
                // and a copy it redelivered then may reach its create while this one is still on its way.
                let redeliveryPossibleFrom = clock.now.advanced(by: context.ackWait / 2)
                let bindings = context.bindings(subject)
                if !dependencies.bindings.elementsEqual(bindings, by: ===) {
                    dependencies = context.processor.dependencies(bindings)
                }
                var tally = context.processor.tally(dependencies)
                defer { context.processor.record(tally, dependencies) }
                var lastYield = clock.now
                // The messages that only hold events for correlations: correlated together after screening (with
                // tracing on, each is processed in its own task, inside its spans).
                var correlating:
                    [(
                        message: JetStreamMessage, key: InFlightMessages.Key, event: Event,
                        offers: [MessageProcessor.Offer], inbound: InboundMessage
                    )] =
                        []
                for (message, key) in zip(batch, keys) {
                    // Screening is synchronous: a batch through a thousand sensors takes a cooperative thread for
                    // hundreds of milliseconds, so it gives the other consumers and the triggers their turn.
                    if clock.now - lastYield > Self.screeningSlice {
                        await Task.yield()
                        lastYield = clock.now
                    }
                    guard !shouldStop else {
                        // Redelivered at once, to this replica's successor or another one.
                        settle(message, .nak(.zero), streamSequence: nil, counters: counters, logger: logger)
                        inFlight.remove(key)
                        continue
                    }
                    let record = context.processor.tracer.map { _ in ScreeningRecord() }
                    let headers = Self.headers(of: message)
                    let screening = message.withData { payload in
                        context.processor.screen(
                            payload: payload, headers: headers, dependencies: dependencies,
                            tally: &tally, logger: { Self.logger(logger, for: message) }, record: record)
                    }
                    let trace = record.flatMap { receiveSpan(message, record: $0, context: context) }
                    if case .filteredOut = screening {
                        settle(message, .ack, streamSequence: nil, counters: counters, logger: logger, trace: trace)
                        inFlight.remove(key)
                        continue
                    }
                    if trace == nil, screening.correlatesOnly, case .offers(let event, let offers) = screening {
                        let inbound = Self.inbound(
                            message, headers: headers, stream: context.stream,
                            redeliveryPossibleFrom: redeliveryPossibleFrom)
                        correlating.append((message, key, event, offers, inbound))
                        continue
                    }
                    let permit = await MessagePermit(of: permits, thread: thread)
                    group.addTask {
                        var inbound = Self.inbound(
                            message, headers: headers, stream: context.stream,
                            redeliveryPossibleFrom: redeliveryPossibleFrom)
                        inbound.permit = permit
                        if inbound.deliveries > 1 { counters.redeliverySeen() }
                        var disposition =
                            if let trace {
                                await trace.withSpan { await context.processor.finish(screening, message: inbound) }
                            } else {
                                await context.processor.finish(screening, message: inbound)
                            }
                        inFlight.remove(key)
                        if Task.isCancelled, disposition != .ack, disposition != .term { disposition = .nak(.zero) }
                        self.settle(
                            message, disposition, streamSequence: inbound.streamSequence, counters: counters,
                            logger: logger, trace: trace)
                        permit.release()
                    }
                }
                if !correlating.isEmpty {
                    let results = await context.processor.correlate(
                        correlating.map { ($0.event, $0.offers, $0.inbound) })
                    for (item, offerResults) in zip(correlating, results) {
                        let message = item.inbound
                        if message.deliveries > 1 { counters.redeliverySeen() }
                        guard offerResults.contains(where: \.fires) else {
                            let disposition = await context.processor.execute(offerResults, message: message)
                            inFlight.remove(item.key)
                            settle(
                                item.message, disposition, streamSequence: message.streamSequence, counters: counters,
                                logger: logger)
                            continue
                        }
                        let permit = await MessagePermit(of: permits, thread: thread)
                        var firing = message
                        firing.permit = permit
                        group.addTask { [firing] in
                            var disposition = await context.processor.execute(offerResults, message: firing)
                            inFlight.remove(item.key)
                            if Task.isCancelled, disposition != .ack, disposition != .term { disposition = .nak(.zero) }
                            self.settle(
                                item.message, disposition, streamSequence: firing.streamSequence, counters: counters,
                                logger: logger)
                            permit.release()
                        }
                    }
                }
                let pending = (try? batch.last?.metadata())?.pending
                progress.fetched(pending: pending ?? 0)
            }
            // Drain: the messages in flight get up to the drain timeout, then are cancelled (and nak'ed).
            let deadline = clock.now.advanced(by: context.drainTimeout)
            while permits.taken > 0 && clock.now < deadline {
                do {
                    try await Task.sleep(for: .milliseconds(20))
                } catch {
                    break
                }
            }
            if permits.taken > 0 {
                logger.warning(
                    "drain timeout: cancelling the messages still in flight", metadata: ["inFlight": "\(permits.taken)"]
                )
                group.cancelAll()
            }
        }
        logger.info("stopped consuming")
    }

    /// Creates or updates the consumer and binds to it, retrying every 2 s until it works or the consumer stops.
    private func bind(context: ConsumerContext, logger: Logger) async -> PullConsumer? {
        let spec = SensorSet.consumerSpec(subject: subject, stream: context.stream, template: context.template)
        while !shouldStop {
            do {
                _ = try await context.connection.createOrUpdate(spec)
                return try await context.connection.pullConsumer(stream: context.stream, durable: durable)
            } catch {
                logger.warning("cannot bind the consumer; retrying", metadata: [LoggingKeys.error: "\(error)"])
            }
            try? await Task.sleep(for: .seconds(2))
        }
        return nil
    }

    /// The bytes a pull request asks for at most (twice the server's `max_payload` if that is more): 256 events of
    /// 1 MB would be more than libnats holds for a subscription before it drops messages as a slow consumer.
    private static let fetchBytes = 16 << 20

    /// How long a consumer screens messages before it yields to the other tasks.
    private static let screeningSlice = Duration.milliseconds(2)

    /// The first value of each of the message's headers.
    private static func headers(of message: JetStreamMessage) -> [String: String] {
        message.headers.compactMapValues(\.first)
    }

    /// The message as the processor's asynchronous part sees it (payload and headers copied, metadata parsed).
    private static func inbound(
        _ message: JetStreamMessage, headers: [String: String], stream: String,
        redeliveryPossibleFrom: ContinuousClock.Instant
    ) -> InboundMessage {
        let metadata = try? message.metadata()
        return InboundMessage(
            subject: message.subject, payload: message.data, headers: headers,
            stream: metadata?.stream ?? stream, streamSequence: metadata?.streamSequence ?? 0,
            deliveries: metadata?.deliveries ?? 1, isLastDelivery: message.isLastDelivery,
            publishedAt: metadata.map { Date(timeIntervalSince1970: Double($0.timestampNanoseconds) / 1e9) },
            redeliveryPossibleFrom: redeliveryPossibleFrom)
    }

    /// The receive span of a screened message, with its filter spans.
    private func receiveSpan(_ message: JetStreamMessage, record: ScreeningRecord, context: ConsumerContext)
        -> MessageTrace?
    {
        guard let tracer = context.processor.tracer else { return nil }
        let metadata = try? message.metadata()
        return tracer.receive(
            record, subject: message.subject, consumer: durable, stream: metadata?.stream ?? context.stream,
            streamSequence: metadata?.streamSequence, deliveries: metadata?.deliveries)
    }

    /// The consumer's logger with the message's stream sequence and delivery count, for what screening logs.
    private static func logger(_ logger: Logger, for message: JetStreamMessage) -> Logger {
        var logger = logger
        if let metadata = try? message.metadata() {
            logger[metadataKey: LoggingKeys.streamSequence] = "\(metadata.streamSequence)"
            logger[metadataKey: LoggingKeys.deliveries] = "\(metadata.deliveries)"
        }
        return logger
    }

    /// Sends the message's disposition, counting naks and terms in `counters`; a failure (the connection is down)
    /// is logged, and the server redelivers.
    /// - Parameters:
    ///   - streamSequence: for the log lines, when already known.
    ///   - trace: the message's spans, ended with the settle span.
    private func settle(
        _ message: JetStreamMessage, _ disposition: MessageDisposition, streamSequence: UInt64?,
        counters: GatewayMetrics.ConsumerCounters, logger: Logger, trace: MessageTrace? = nil
    ) {
        do {
            switch disposition {
            case .ack: try message.ack()
            case .nak(let delay):
                try message.nak(delay: delay == .zero ? nil : delay)
                counters.nakSent()
            case .term:
                try message.term()
                counters.termSent()
            }
            trace?.settled(disposition, failure: nil)
        } catch {
            trace?.settled(disposition, failure: error)
            let sequence = streamSequence ?? (try? message.metadata())?.streamSequence ?? 0
            logger.warning(
                "could not send the disposition; the message will be redelivered",
                metadata: [LoggingKeys.streamSequence: "\(sequence)", LoggingKeys.error: "\(error)"])
            return
        }
        if logger.logLevel <= .debug {
            let sequence = streamSequence ?? (try? message.metadata())?.streamSequence ?? 0
            logger.debug(
                "disposition sent",
                metadata: [LoggingKeys.streamSequence: "\(sequence)", LoggingKeys.disposition: "\(disposition)"])
        }
    }
}
