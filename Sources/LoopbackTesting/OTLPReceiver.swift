public import EventModel
import HTTPTransport

/// The loopback OTLP/HTTP trace receiver of `Scripts/otlp_test_receiver.py`, for one test: it decodes each export
/// with `opentelemetry-proto` (protobuf or JSON) and keeps the spans for the test to read.
public final class OTLPReceiver: Sendable {
    /// One span as the receiver decoded it.
    public struct ReceivedSpan: Sendable, CustomStringConvertible {
        /// 32 hex digits.
        public let traceID: String
        /// 16 hex digits.
        public let spanID: String
        /// The parent's span id; empty for a root span.
        public let parentSpanID: String
        /// The span's name.
        public let name: String
        /// `SPAN_KIND_CONSUMER`, `SPAN_KIND_CLIENT`, `SPAN_KIND_INTERNAL`…
        public let kind: String
        /// The attributes, values as JSON scalars.
        public let attributes: EventMap
        /// `STATUS_CODE_UNSET`, `STATUS_CODE_OK` or `STATUS_CODE_ERROR`.
        public let statusCode: String
        /// The resource's `service.name`.
        public let serviceName: String?

        init(_ value: EventValue) {
            traceID = value["trace_id"]?.stringValue ?? ""
            spanID = value["span_id"]?.stringValue ?? ""
            parentSpanID = value["parent_span_id"]?.stringValue ?? ""
            name = value["name"]?.stringValue ?? ""
            kind = value["kind"]?.stringValue ?? ""
            attributes = value["attributes"]?.mapValue ?? [:]
            statusCode = value["status_code"]?.stringValue ?? ""
            serviceName = value["service_name"]?.stringValue
        }

        /// An attribute's value as text (numbers and booleans as JSON).
        public func attribute(_ key: String) -> String? {
            guard let value = attributes[key] else { return nil }
            return value.stringValue ?? JSONCodec.encodeToString(value)
        }

        public var description: String { "\(name) [\(traceID)/\(spanID) ← \(parentSpanID)]" }
    }

    private let server: LoopbackServer
    private let client: HTTPClient

    /// Starts the receiver.
    /// - Throws: ``LoopbackTestingError`` when it does not start (`opentelemetry-proto` missing: `make deps`).
    public init() throws {
        server = try LoopbackServer(script: "otlp_test_receiver.py", arguments: [])
        client = try HTTPClient()
    }

    /// `http://127.0.0.1:<port>`: an `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public var endpoint: String { "http://127.0.0.1:\(server.port)" }

    /// Stops the client that reads the spans (the server stops when this object goes away).
    public func stop() async { await client.shutdown() }

    /// Every span received so far, in arrival order.
    public func spans() async throws -> [ReceivedSpan] {
        try await get("/_spans").map(ReceivedSpan.init)
    }

    /// The content type of each export request received so far.
    public func exports() async throws -> [String] {
        try await get("/_exports").compactMap(\.stringValue)
    }

    private func get(_ path: String) async throws -> [EventValue] {
        let response = try await client.execute(HTTPRequest(url: endpoint + path))
        guard response.status == 200 else {
            throw LoopbackTestingError("\(path) answered \(response.status)")
        }
        return try JSONCodec.decode(response.body, limits: .standInAnswers).arrayValue ?? []
    }
}
