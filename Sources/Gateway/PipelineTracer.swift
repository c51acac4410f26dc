import EventModel
import OTel
import SensorEngine
import Tracing
import Triggers

/// The spans of the pipeline: one trace per message, receive → filter → correlate → trigger → settle, continuing the
/// producer's trace when the event carries one (the CloudEvents distributed-tracing extension's `traceparent` and
/// `tracestate`). Attributes follow OpenTelemetry's messaging conventions (`messaging.system=nats`, …) and name the
/// sensor, dependency and trigger under `sensor_gateway.*`.
///
/// Made only when tracing is on: with it off, the pipeline holds `nil` and records nothing.
struct PipelineTracer: Sendable {
    let tracer: any Tracer

    /// The receive span of a screened message, started when screening started, with the filter span of each
    /// dependency screening recorded; its parent is the event's trace context, if it carries a valid one.
    func receive(
        _ record: ScreeningRecord, subject: String, consumer: String, stream: String, streamSequence: UInt64?,
        deliveries: UInt64?
    ) -> MessageTrace {
        var parent = ServiceContext.topLevel
        if let carrier = record.traceCarrier {
            tracer.extract(carrier, into: &parent, using: HeaderCarrier())
        }
        let span = tracer.startSpan(
            "receive \(subject)", context: parent, ofKind: .consumer, at: record.started)
        span.updateAttributes { attributes in
            attributes["messaging.system"] = "nats"
            attributes["messaging.operation.type"] = "receive"
            attributes["messaging.operation.name"] = "receive"
            attributes["messaging.destination.name"] = subject
            attributes["messaging.consumer.group.name"] = consumer
            attributes["messaging.nats.stream"] = stream
            if let streamSequence { attributes["messaging.nats.message.stream_sequence"] = Int64(streamSequence) }
            if let deliveries { attributes["messaging.nats.message.delivery_count"] = Int64(deliveries) }
            if let event = record.event {
                attributes["cloudevents.event_id"] = event.id
                attributes["cloudevents.event_source"] = event.source
                attributes["cloudevents.event_type"] = event.type
                if let eventSubject = event.subject { attributes["cloudevents.event_subject"] = eventSubject }
            }
        }
        if let failure = record.undecodable {
            span.setStatus(SpanStatus(code: .error, message: "undecodable: \(failure)"))
        }
        for verdict in record.verdicts {
            let filter = tracer.startSpan(
                "filter \(verdict.sensor)/\(verdict.dependency)", context: span.context, at: verdict.started)
            filter.updateAttributes { attributes in
                attributes["sensor_gateway.sensor"] = verdict.sensor
                attributes["sensor_gateway.dependency"] = verdict.dependency
                attributes["sensor_gateway.filter.verdict"] = verdict.verdict
                if let reason = verdict.reason { attributes["sensor_gateway.filter.reason"] = reason }
            }
            filter.end(at: verdict.ended)
        }
        return MessageTrace(span: span, tracer: tracer)
    }

    /// Starts the correlate span of offering an event to a trigger, under the current message's span.
    func correlate(sensor: String, trigger: String, dependency: String) -> CorrelationSpan {
        let span = tracer.startSpan("correlate \(sensor)/\(trigger)")
        span.updateAttributes { attributes in
            attributes["sensor_gateway.sensor"] = sensor
            attributes["sensor_gateway.trigger"] = trigger
            attributes["sensor_gateway.dependency"] = dependency
        }
        return CorrelationSpan(span: span)
    }

    /// Starts the trigger span of a firing, under the current message's span, and the trace context its requests
    /// carry (the span's, so the target's spans are its children).
    func trigger(sensor: String, trigger: String, firing: String) -> (span: any Span, trace: TriggerTrace?) {
        let span = tracer.startSpan("trigger \(sensor)/\(trigger)", ofKind: .client)
        span.updateAttributes { attributes in
            attributes["sensor_gateway.sensor"] = sensor
            attributes["sensor_gateway.trigger"] = trigger
            attributes["sensor_gateway.firing"] = firing
        }
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: HeaderCarrier())
        let trace = headers["traceparent"].flatMap { TriggerTrace(traceparent: $0, tracestate: headers["tracestate"]) }
        return (span, trace)
    }

    /// Ends a trigger span with what the execution did: engine, route, outcome, the last HTTP answer and the target
    /// (what an accepted request created or did).
    static func end(_ span: any Span, execution: TriggerExecution, trace: TriggerTrace?) {
        span.updateAttributes { attributes in
            attributes["sensor_gateway.trigger.engine"] = execution.engine
            if !execution.route.isEmpty { attributes["sensor_gateway.trigger.route"] = execution.route }
            attributes["sensor_gateway.trigger.outcome"] = execution.outcome.label
            if let response = trace?.lastResponse {
                attributes["http.request.method"] = response.method
                attributes["url.full"] = response.url
                attributes["http.response.status_code"] = Int64(response.status)
            }
        }
        switch execution.outcome {
        case .succeeded(let detail), .alreadyDone(let detail):
            span.attributes["sensor_gateway.trigger.target"] = detail
        case .retryable(let reason, _), .permanent(let reason):
            span.setStatus(SpanStatus(code: .error, message: reason))
        }
        span.end()
    }

    /// The trace id of the current message's span, for its log lines.
    var currentTraceID: String? {
        ServiceContext.current?.otelTraceID
    }
}

/// One message's receive span: the correlate and trigger spans of its processing are its children, and its settle
/// span ends it.
struct MessageTrace: Sendable {
    let span: any Span
    let tracer: any Tracer

    /// Runs `body` with the receive span as the current span.
    func withSpan<T>(_ body: () async -> T) async -> T {
        await ServiceContext.withValue(span.context) { await body() }
    }

    /// Records the disposition sent (a settle span: `ack`, `nak` or `term`) and ends the receive span.
    /// - Parameter failure: why the disposition could not be sent, if it could not.
    func settled(_ disposition: MessageDisposition, failure: (any Error)?) {
        let name =
            switch disposition {
            case .ack: "ack"
            case .nak: "nak"
            case .term: "term"
            }
        let settle = tracer.startSpan(name, context: span.context, ofKind: .client)
        settle.updateAttributes { attributes in
            attributes["messaging.system"] = "nats"
            attributes["messaging.operation.type"] = "settle"
            attributes["messaging.operation.name"] = name
            if case .nak(let delay) = disposition, delay > .zero {
                attributes["sensor_gateway.nak.delay_ms"] = Int64(delay / .milliseconds(1))
            }
        }
        if let failure {
            settle.recordError(failure)
            settle.setStatus(SpanStatus(code: .error, message: "\(failure)"))
        }
        settle.end()
        span.end()
    }
}

/// What screening a message found, recorded for its spans (only when tracing is on): the event, and each
/// dependency's filter verdict with when it was evaluated.
final class ScreeningRecord {
    /// One dependency's filters.
    struct Verdict {
        let sensor: String
        let dependency: String
        /// `passed`, `filtered` or `error` (a filter could not be evaluated).
        let verdict: String
        let reason: String?
        let started: DefaultTracerClock.Instant
        let ended: DefaultTracerClock.Instant
    }

    let started = DefaultTracerClock.now
    private(set) var event: Event?
    private(set) var undecodable: EventDecodingError?
    private(set) var verdicts: [Verdict] = []

    /// The event's `traceparent` and `tracestate` extension attributes, if it carries a `traceparent`.
    var traceCarrier: [String: String]? {
        guard let traceparent = event?.extensions["traceparent"]?.stringValue else { return nil }
        var carrier = ["traceparent": traceparent]
        if let tracestate = event?.extensions["tracestate"]?.stringValue { carrier["tracestate"] = tracestate }
        return carrier
    }

    func decoded(_ event: Event) { self.event = event }

    func failed(_ error: EventDecodingError) { undecodable = error }

    /// The time a dependency's screening starts.
    func now() -> DefaultTracerClock.Instant { DefaultTracerClock.now }

    /// Records a dependency's verdict, evaluated since `started`.
    func record(sensor: String, dependency: String, verdict: FilterVerdict?, since started: DefaultTracerClock.Instant)
    {
        let outcome =
            switch verdict {
            case nil: "passed"
            case let rejected? where !rejected.errors.isEmpty: "error"
            case _?: "filtered"
            }
        verdicts.append(
            Verdict(
                sensor: sensor, dependency: dependency, verdict: outcome,
                reason: verdict.map { $0.errors.first ?? "filter" }, started: started, ended: DefaultTracerClock.now))
    }
}

/// The span of offering an event to a trigger's correlation.
struct CorrelationSpan: Sendable {
    let span: any Span

    /// Ends it with the decision (`sensor_gateway.correlation.decision`: `fire`, `hold`, `duplicate`, `ignored`).
    func end(_ decision: CorrelationDecision) {
        span.attributes["sensor_gateway.correlation.decision"] =
            switch decision {
            case .fire: "fire"
            case .hold: "hold"
            case .duplicate: "duplicate"
            case .ignored: "ignored"
            }
        span.end()
    }

    /// Ends it with the correlation store's error.
    func end(failure: any Error) {
        span.recordError(failure)
        span.setStatus(SpanStatus(code: .error, message: "\(failure)"))
        span.end()
    }
}

/// Reads and writes W3C Trace Context fields in a dictionary of header-like values.
struct HeaderCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }

    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
