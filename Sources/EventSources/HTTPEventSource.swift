import ConfigReader
public import EventModel
import Foundation
import HTTPTransport
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import JetStream
import Logging
import NIOSSL
public import ServiceLifecycle

/// The HTTP event endpoint on `sources.http.listen`: `POST /v1/events[?name=<name>]` takes one CloudEvent and
/// answers 202 with the stream and sequence once JetStream stored it on `<prefix>.<source>.<name>` (`name`
/// defaults to the event's `subject` attribute; see ``HTTPEventDecoder`` for the accepted forms).
///
/// Statuses: 202 stored (`duplicate: true` when the stream already had the id), 400 with the reason, 401 without
/// the bearer token, 413 over `maxBodyBytes`, 415 for another content type, 503 when NATS is not connected or did
/// not acknowledge (nothing was stored, or retrying with the same id stores it once). Errors are
/// `{"error": <reason>, "detail": <text>}`.
public struct HTTPEventSource: Service {
    /// Why the endpoint cannot start: a token file or TLS file that does not load.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// The key and what is wrong with it.
        public let description: String
    }

    /// The metrics and `/status` label of this source.
    static let label = "http"

    private let configuration: EventSourcesConfiguration.HTTP
    private let publisher: EventSourcePublisher
    private let metrics: any EventSourceMetrics
    private let status: EventSourceState
    private let logger: Logger

    /// Creates the endpoint.
    /// - Parameters:
    ///   - configuration: `sources.http`.
    ///   - context: where to publish, count and report.
    public init(
        configuration: EventSourcesConfiguration.HTTP, context: EventSourceContext
    ) {
        self.configuration = configuration
        self.publisher = EventSourcePublisher(store: context.store, subjectPrefix: context.subjectPrefix)
        self.metrics = context.metrics
        self.status = context.status
        self.logger = context.logger
        var settings: EventMap = [
            "listen": .string("\(configuration.host):\(configuration.port)"),
            "tls": .bool(configuration.tls != nil), "maxBodyBytes": .int(Int64(configuration.maxBodyBytes)),
        ]
        if case .bearerTokenFile = configuration.authentication {
            settings["authentication"] = "bearer"
        } else {
            settings["authentication"] = "none"
        }
        status.register(Self.label, settings: settings)
    }

    /// Serves until graceful shutdown.
    /// - Throws: ``StartError`` when the token or TLS files do not load; the server's error if it cannot listen.
    public func run() async throws {
        let token = try loadToken()
        let server = try makeServer()
        let router = Router()
        let source = self
        router.post("/v1/events") { request, _ -> Response in
            await source.respond(to: request, token: token)
        }
        let application = Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "sensor-gateway"),
            logger: logger)
        logger.info(
            "HTTP event source listening",
            metadata: ["listen": "\(configuration.host):\(configuration.port)", "tls": "\(configuration.tls != nil)"])
        try await application.run()
    }

    /// The token of `tokenFile`, read once now so a missing file stops the start; nil without authentication.
    private func loadToken() throws(StartError) -> BearerToken? {
        guard case .bearerTokenFile(let path) = configuration.authentication else { return nil }
        let token = BearerToken(.file(path))
        do {
            _ = try token.current()
        } catch {
            throw StartError(description: "sources.http.tokenFile: \(error)")
        }
        return token
    }

    private func makeServer() throws(StartError) -> HTTPServerBuilder {
        guard let tls = configuration.tls, let certificate = tls.certificateFile, let key = tls.keyFile else {
            return .http1()
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map(NIOSSLCertificateSource.certificate)
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            let settings = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(privateKey))
            return try .tls(.http1(), tlsConfiguration: settings)
        } catch {
            throw StartError(description: "sources.http.tls: cannot load \(certificate) and \(key): \(error)")
        }
    }

    private func respond(to request: Request, token: BearerToken?) async -> Response {
        let now = EventTimestamp.now()
        do throws(EventSourceError) {
            let (event, subject, ack) = try await accept(request, token: token)
            metrics.eventAccepted(source: Self.label)
            status.accepted(Self.label, event: event, subject: subject, ack: ack, at: now)
            logger.debug(
                "event stored",
                metadata: [
                    LoggingKeys.eventID: "\(event.id)", LoggingKeys.subject: "\(subject)",
                    LoggingKeys.streamSequence: "\(ack.sequence)", "duplicate": "\(ack.isDuplicate)",
                ])
            return Self.json(
                .accepted,
                [
                    "id": .string(event.id), "subject": .string(subject), "stream": .string(ack.stream),
                    "sequence": .unsigned(ack.sequence), "duplicate": .bool(ack.isDuplicate),
                ])
        } catch {
            metrics.eventRejected(source: Self.label, reason: error.reason)
            status.rejected(Self.label, error: error, at: now)
            logger.info("event refused", metadata: ["reason": "\(error.reason)", "detail": "\(error.detail)"])
            var response = Self.json(
                HTTPResponse.Status(code: error.status),
                ["error": .string(error.reason), "detail": .string(error.detail)])
            if error.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }

    private func accept(_ request: Request, token: BearerToken?) async throws(EventSourceError)
        -> (Event, String, PublishAck)
    {
        if let token { try Self.authenticate(request.headers[.authorization], token: token) }
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Self.tooLarge(length, limit: limit)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Self.tooLarge(nil, limit: limit)
        } catch {
            throw EventSourceError(
                status: 400, reason: "unreadable_body", detail: "the body could not be read: \(error)")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        let event = try HTTPEventDecoder.event(
            body: Array(buffer: body), headers: headers, query: query, maxBodyBytes: limit, now: EventTimestamp.now())
        let (subject, ack) = try await publisher.publish(event, name: query["name"].flatMap { $0.isEmpty ? nil : $0 })
        return (event, subject, ack)
    }

    private static func authenticate(_ header: String?, token: BearerToken) throws(EventSourceError) {
        guard let header, header.lowercased().hasPrefix("bearer ") else {
            throw EventSourceError(
                status: 401, reason: "unauthorized", detail: "an Authorization: Bearer <token> header is required")
        }
        let expected: String
        do {
            expected = try token.current()
        } catch {
            throw EventSourceError(
                status: 500, reason: "token_unavailable", detail: "the gateway cannot read its token file")
        }
        let presented = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard constantTimeEqual(Array(presented.utf8), Array(expected.utf8)) else {
            throw EventSourceError(status: 401, reason: "unauthorized", detail: "the bearer token is not valid")
        }
    }

    /// Compares without an early exit, so the time taken does not reveal how much of a token matched.
    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }

    private static func tooLarge(_ length: Int?, limit: Int) -> EventSourceError {
        let size = length.map { "a body of \($0) bytes" } ?? "the body"
        return EventSourceError(
            status: 413, reason: "payload_too_large",
            detail: "\(size) exceeds sources.http.maxBodyBytes (\(limit) bytes)")
    }

    private static func json(_ status: HTTPResponse.Status, _ body: EventMap) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: JSONCodec.encodeToString(.map(body)) + "\n")))
    }
}

/// The request forms of `POST /v1/events`, decoded into one event:
/// - structured mode: `Content-Type: application/cloudevents+json` (or `+msgpack`), the body a whole CloudEvent;
/// - binary mode: a `ce-specversion` header, the attributes in `ce-*` headers, the body its `data` as JSON
///   (`application/json`, also when no content type is given) or MessagePack (`application/msgpack`);
/// - plain JSON: `Content-Type: application/json`, the body the event's `data`, the attributes from the query:
///   `source` and `type` required, `subject` (the event's name), `id` (default a new UUID).
///
/// The NATS subject is `<prefix>.<source>.<name>`, the name being the query parameter `name` when given, else the
/// event's `subject` attribute; an event without `time` gets the time it was received, and one without a
/// `traceparent` attribute the request's `traceparent` header.
public enum HTTPEventDecoder {
    /// Decodes one request.
    /// - Parameters:
    ///   - body: the request body.
    ///   - headers: its headers, names lower-cased.
    ///   - query: its query parameters.
    ///   - maxBodyBytes: the payload limit.
    ///   - now: the time given to an event without one.
    /// - Throws: ``EventSourceError`` (400, 413 or 415) saying what is wrong and where.
    public static func event(
        body: [UInt8], headers: [String: String], query: [String: String], maxBodyBytes: Int, now: EventTimestamp
    ) throws(EventSourceError) -> Event {
        let limits = DecodingLimits(maxPayloadBytes: maxBodyBytes)
        let contentType = headers["content-type"].map(mediaType)
        var event: Event
        if headers["ce-specversion"] != nil {
            if let contentType, !Self.binaryDataTypes.contains(contentType) {
                throw unsupported(
                    "binary mode takes JSON (application/json) or MessagePack (application/msgpack) data, not \(contentType)"
                )
            }
            let attributes = headers.filter { $0.key.hasPrefix("ce-") || $0.key == "content-type" }
            do {
                event = try CloudEventCodec.decode(payload: body, headers: attributes, limits: limits)
            } catch {
                throw .invalid(error)
            }
        } else {
            switch contentType {
            case "application/cloudevents+json", "application/cloudevents+msgpack":
                guard !body.isEmpty else {
                    throw EventSourceError(
                        status: 400, reason: "empty_body", detail: "a structured CloudEvent has no body")
                }
                do {
                    event = try CloudEventCodec.decode(
                        payload: body, headers: ["content-type": contentType ?? ""], limits: limits)
                } catch {
                    throw .invalid(error)
                }
            case "application/json":
                event = try plain(body: body, query: query, limits: limits)
            case "application/cloudevents-batch+json":
                throw unsupported("batch mode is not supported: post one event per request")
            case let other?:
                throw unsupported(
                    "\(other) is not accepted: send application/cloudevents+json, ce-* headers (binary mode), or "
                        + "application/json with ?source=&type=")
            case nil:
                throw unsupported(
                    "a Content-Type is required: application/cloudevents+json, ce-* headers (binary mode), or "
                        + "application/json with ?source=&type=")
            }
        }
        if event.time == nil { event.time = now }
        carryTraceContext(of: headers, into: &event)
        return event
    }

    /// The request's `traceparent` (and `tracestate`) header, as the event's distributed-tracing extension when
    /// the event carries none of its own: the gateway's spans then continue the caller's trace.
    private static func carryTraceContext(of headers: [String: String], into event: inout Event) {
        guard event.extensions["traceparent"] == nil, let traceparent = headers["traceparent"],
            traceparent.utf8.count <= maxTraceHeaderBytes
        else { return }
        event.extensions["traceparent"] = .string(traceparent)
        if let tracestate = headers["tracestate"], tracestate.utf8.count <= maxTraceHeaderBytes {
            event.extensions["tracestate"] = .string(tracestate)
        }
    }

    /// The longest `traceparent` or `tracestate` carried over: W3C Trace Context's `traceparent` is 55 characters,
    /// and propagators may cut a `tracestate` down to 512.
    private static let maxTraceHeaderBytes = 512

    private static let binaryDataTypes: Set<String> = [
        "application/json", "text/json", "application/msgpack", "application/x-msgpack", "application/vnd.msgpack",
    ]

    private static func plain(body: [UInt8], query: [String: String], limits: DecodingLimits) throws(EventSourceError)
        -> Event
    {
        func required(_ name: String) throws(EventSourceError) -> String {
            guard let value = query[name], !value.isEmpty else {
                throw EventSourceError(
                    status: 400, reason: "missing_parameter",
                    detail: "plain JSON needs the query parameter \(name) (?source=…&type=…)")
            }
            return value
        }
        let source = try required("source")
        let type = try required("type")
        guard !body.isEmpty else {
            throw EventSourceError(
                status: 400, reason: "empty_body", detail: "plain JSON: the body is the event's data")
        }
        let data: EventValue
        do {
            data = try decodeJSON(body, limits: limits)
        } catch {
            throw .invalid(error)
        }
        return Event(
            id: query["id"].flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased(), source: source,
            type: type, subject: query["subject"], dataContentType: "application/json", data: data)
    }

    private static func decodeJSON(_ bytes: [UInt8], limits: DecodingLimits) throws(EventDecodingError) -> EventValue {
        guard bytes.count <= limits.maxPayloadBytes else {
            throw EventDecodingError(.payloadTooLarge(size: bytes.count, limit: limits.maxPayloadBytes))
        }
        return try JSONCodec.decode(bytes, limits: limits)
    }

    private static func unsupported(_ detail: String) -> EventSourceError {
        EventSourceError(status: 415, reason: "unsupported_media_type", detail: detail)
    }

    /// `Application/JSON; charset=utf-8` → `application/json`.
    private static func mediaType(_ contentType: String) -> String {
        String(contentType.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
    }
}
