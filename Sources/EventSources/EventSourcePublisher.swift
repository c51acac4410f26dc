import ConfigReader
public import EventModel
public import JetStream
public import Logging
public import ServiceLifecycle
import Synchronization

/// Why an event source refused an event or could not store it: the HTTP status it answers, a stable reason label
/// (`events_rejected_total{reason}`) and a precise detail. Never contains a token.
public struct EventSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status: 400, 401, 413, 415, 500 or 503.
    public var status: Int
    /// A snake_case label: `unauthorized`, `payload_too_large`, `unsupported_media_type`, `missing_parameter`,
    /// `missing_subject`, `invalid_subject`, `nats_unavailable`, `not_stored`, `token_unavailable`, or an
    /// ``EventDecodingError/code`` (`invalid_json`, `missing_attribute`, …).
    public var reason: String
    /// What is wrong, for the client and the log.
    public var detail: String

    /// Creates an error.
    public init(status: Int, reason: String, detail: String) {
        self.status = status
        self.reason = reason
        self.detail = detail
    }

    /// `reason: detail`.
    public var description: String { "\(reason): \(detail)" }

    /// 400 for an event that does not decode, 413 when it is over the limit.
    static func invalid(_ error: EventDecodingError) -> EventSourceError {
        if case .payloadTooLarge = error.reason {
            return EventSourceError(status: 413, reason: "payload_too_large", detail: error.description)
        }
        return EventSourceError(status: 400, reason: error.code, detail: error.description)
    }
}

/// Where the event sources store events: JetStream, over a connection the daemon owns and hands over once it has one.
public protocol EventStoring: Sendable {
    /// The connection when it is up; `nil` before the first connect.
    var connection: NATSConnection? { get }
}

/// Counts what the event sources accept and refuse (`events_accepted_total`, `events_rejected_total`).
public protocol EventSourceMetrics: Sendable {
    /// One event stored by `source`.
    func eventAccepted(source: String)
    /// One event refused or not stored by `source`, with the reason label.
    func eventRejected(source: String, reason: String)
}

/// What every event source is given: where to publish, what to count, where to report for `/status`, how to log.
public struct EventSourceContext: Sendable {
    /// `nats.subjectPrefix`.
    public var subjectPrefix: String
    /// The JetStream connection to publish over.
    public var store: any EventStoring
    /// What `/status` shows under `eventSources`.
    public var status: EventSourceState
    /// The event-source counters.
    public var metrics: any EventSourceMetrics
    /// The sources' logger.
    public var logger: Logger

    /// Bundles the pieces.
    public init(
        subjectPrefix: String, store: any EventStoring, status: EventSourceState, metrics: any EventSourceMetrics,
        logger: Logger
    ) {
        self.subjectPrefix = subjectPrefix
        self.store = store
        self.status = status
        self.metrics = metrics
        self.logger = logger
    }
}

/// Publishes the events of the HTTP endpoint and the schedules into JetStream, on `<prefix>.<source>.<name>` with
/// `Nats-Msg-Id` = the event id, and returns only once the stream stored it.
struct EventSourcePublisher: Sendable {
    /// The connection's holder.
    let store: any EventStoring
    /// `nats.subjectPrefix`.
    let subjectPrefix: String

    /// The NATS subject of `event`: `<prefix>.<source>.<name>`, the name being `name` when given (the HTTP
    /// endpoint's `?name=`), else the event's `subject` attribute; the source and the name must each be one token.
    /// - Throws: ``EventSourceError`` (400) naming the attribute.
    func subject(of event: Event, name: String? = nil) throws(EventSourceError) -> String {
        guard let name = name ?? event.subject, !name.isEmpty else {
            throw EventSourceError(
                status: 400, reason: "missing_subject",
                detail: "the event has no name: give ?name= or a subject attribute (the NATS subject is "
                    + "\(subjectPrefix).<source>.<name>)")
        }
        for (attribute, token) in [("source", event.source), ("name", name)] where !EventSubject.isToken(token) {
            throw EventSourceError(
                status: 400, reason: "invalid_subject",
                detail:
                    "the \(attribute) \"\(token)\" is not one NATS subject token (no '.', '*', '>' or white space); "
                    + "give ?name= for an event whose subject attribute is not one")
        }
        return "\(subjectPrefix).\(event.source).\(name)"
    }

    /// Publishes `event` on its subject (see ``subject(of:name:)``) and waits for the stream's acknowledgement.
    /// - Throws: ``EventSourceError``: 400 for a subject that cannot be made, 503 when NATS is not connected or the
    ///   stream did not acknowledge (the event may or may not be stored: retrying with the same id is safe).
    func publish(_ event: Event, name: String? = nil) async throws(EventSourceError) -> (
        subject: String, ack: PublishAck
    ) {
        let subject = try subject(of: event, name: name)
        // Refuse rather than let libnats buffer the message while it reconnects: a buffered message would be stored
        // after the client was told it was not.
        guard let connection = store.connection, connection.state == .connected else {
            let now = store.connection.map { "the NATS connection is \($0.state)" } ?? "NATS is not connected yet"
            throw EventSourceError(status: 503, reason: "nats_unavailable", detail: now)
        }
        do {
            let ack = try await connection.publish(
                EventPublication.message(for: event, subject: subject, binaryMode: false))
            return (subject, ack)
        } catch {
            throw EventSourceError(
                status: 503, reason: "not_stored",
                detail: "JetStream did not acknowledge the event (\(error)); retrying with the same id is safe")
        }
    }
}

/// What `/status` shows under `eventSources`: per source its counts, the last event stored and the last rejection;
/// for schedules also the next tick.
public final class EventSourceState: Sendable {
    private struct Source {
        var settings: EventMap
        var accepted = 0
        var rejected = 0
        var lastAccepted: EventValue?
        var lastRejected: EventValue?
        var nextTick: EventTimestamp?
    }

    private let sources = Mutex<[String: Source]>([:])

    /// No sources yet.
    public init() {}

    /// Declares a source (`http`, `schedule:<name>`) with what it is configured to do.
    func register(_ source: String, settings: EventMap) {
        sources.withLock { $0[source] = Source(settings: settings) }
    }

    /// Records an event stored.
    func accepted(_ source: String, event: Event, subject: String, ack: PublishAck, at time: EventTimestamp) {
        sources.withLock { sources in
            sources[source, default: Source(settings: [:])].accepted += 1
            sources[source]?.lastAccepted = .map([
                "id": .string(event.id), "subject": .string(subject), "stream": .string(ack.stream),
                "sequence": .unsigned(ack.sequence), "duplicate": .bool(ack.isDuplicate), "at": .string(time.rfc3339),
            ])
        }
    }

    /// Records an event refused or not stored.
    func rejected(_ source: String, error: EventSourceError, at time: EventTimestamp) {
        sources.withLock { sources in
            sources[source, default: Source(settings: [:])].rejected += 1
            sources[source]?.lastRejected = .map([
                "reason": .string(error.reason), "detail": .string(error.detail), "at": .string(time.rfc3339),
            ])
        }
    }

    /// Records when a schedule ticks next.
    func setNextTick(_ source: String, _ tick: EventTimestamp?) {
        sources.withLock { $0[source]?.nextTick = tick }
    }

    /// `{source: {…settings, accepted, rejected, lastAccepted?, lastRejected?, nextTick?}}`.
    public var status: EventValue {
        sources.withLock { sources in
            var root = EventMap()
            for name in sources.keys.sorted() {
                guard let source = sources[name] else { continue }
                var entry = source.settings
                entry["accepted"] = .int(Int64(source.accepted))
                entry["rejected"] = .int(Int64(source.rejected))
                if let value = source.lastAccepted { entry["lastAccepted"] = value }
                if let value = source.lastRejected { entry["lastRejected"] = value }
                if let tick = source.nextTick { entry["nextTick"] = .string(tick.rfc3339) }
                root[name] = .map(entry)
            }
            return .map(root)
        }
    }
}

/// The services of `sources:`, placed after the pipeline (whose connection they publish over), so they stop before
/// it drains.
public enum EventSourceServices {
    /// The HTTP endpoint when `sources.http` is set and the schedules' runner when there are schedules; a failing
    /// one (a token file that does not load, a port in use) stops the group.
    public static func make(
        sources: EventSourcesConfiguration, context: EventSourceContext
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let http = sources.http {
            services.append(
                .init(service: HTTPEventSource(configuration: http, context: context), serviceName: "http-events"))
        }
        if !sources.schedules.isEmpty {
            let source = ScheduleSource(schedules: sources.schedules, context: context)
            services.append(.init(service: source, serviceName: "schedules"))
        }
        return services
    }
}
