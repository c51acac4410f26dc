import Synchronization

/// The W3C trace context of a traced firing: every HTTP request the firing sends carries it (`traceparent`,
/// `tracestate`), the workflow it creates is annotated with its trace id and the Kubeflow run has it in its
/// description; the executors note the last HTTP answer for the trigger's span.
public final class TriggerTrace: Sendable {
    /// The annotation of a created Workflow holding the trace id.
    public static let traceIDAnnotation = "sensor-gateway.io/trace-id"

    /// `00-<trace id>-<parent id>-<flags>`.
    public let traceparent: String
    /// The vendor entries, if any.
    public let tracestate: String?
    /// The 32 hex digits of the trace id.
    public let traceID: String

    /// The last HTTP request the firing sent and its status.
    public struct Response: Sendable, Hashable {
        /// `GET`, `POST`…
        public var method: String
        /// The URL, without its query string.
        public var url: String
        /// The answer's status.
        public var status: Int
    }

    private let response = Mutex<Response?>(nil)

    /// The trace context of the firing being executed by the current task.
    @TaskLocal static var current: TriggerTrace?

    /// Wraps a `traceparent` value; `nil` when it is not `<2 hex>-<32 hex>-<16 hex>-<2 hex>` with a trace id and a
    /// parent id that are not all zeros (a version after `00` may add fields after these).
    public init?(traceparent: String, tracestate: String? = nil) {
        let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 4 || (fields.count > 4 && fields[0] != "00"), fields[0].count == 2,
            fields[1].count == 32, fields[2].count == 16, fields[3].count == 2,
            fields.prefix(4).allSatisfy({ $0.allSatisfy(\.isHexDigit) }), fields[0] != "ff",
            fields[1].contains(where: { $0 != "0" }), fields[2].contains(where: { $0 != "0" })
        else { return nil }
        self.traceparent = traceparent
        self.tracestate = tracestate.flatMap { $0.isEmpty ? nil : $0 }
        traceID = String(fields[1])
    }

    /// The last HTTP answer the firing got, if it sent a request.
    public var lastResponse: Response? { response.withLock { $0 } }

    /// The headers each request of the firing adds.
    var headers: [(name: String, value: String)] {
        [("traceparent", traceparent)] + (tracestate.map { [("tracestate", $0)] } ?? [])
    }

    /// Notes an answer.
    func answered(method: String, url: String, status: Int) {
        response.withLock { $0 = Response(method: method, url: url, status: status) }
    }
}
