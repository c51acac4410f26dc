public import EventModel

/// One request as the ``APIStandIn`` saw it.
public struct LoggedRequest: Sendable, CustomStringConvertible {
    /// The HTTP method.
    public let method: String
    /// The path, without the query.
    public let path: String
    /// The query string, without `?`.
    public let query: String
    /// The JSON body, if there was one.
    public let body: EventValue?
    /// Whether the request carried the bearer token the stand-in expects (always true without one).
    public let authorized: Bool
    /// The upstream spec's complaints about the body; empty when it is valid.
    public let invalid: [String]
    /// The request's headers, names lower-cased.
    public let headers: EventValue
    /// The status the stand-in answered (0 when the log does not say).
    public let status: Int

    /// The `Content-Type` of the request, if it had one.
    public var contentType: String? { headers["content-type"]?.stringValue }

    init(_ value: EventValue) {
        method = value["method"]?.stringValue ?? ""
        path = value["path"]?.stringValue ?? ""
        query = value["query"]?.stringValue ?? ""
        body = value["body"].flatMap { $0 == .null ? nil : $0 }
        authorized = value["authorized"] == .bool(true)
        invalid = value["invalid"]?.arrayValue?.compactMap(\.stringValue) ?? []
        headers = value["headers"] ?? .null
        status = if case .int(let answered)? = value["status"] { Int(clamping: answered) } else { 0 }
    }

    public var description: String { "\(method) \(path)" + (invalid.isEmpty ? "" : " invalid: \(invalid)") }
}
