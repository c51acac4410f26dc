/// Why an HTTP exchange produced no response. It names the method and the URL without its query or user
/// information; it never holds a header value, so a token cannot leak through it.
public struct HTTPTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The name did not resolve.
        case nameResolution = "name_resolution"
        /// The TCP connection could not be made (refused, unreachable).
        case connect
        /// The connect or total timeout passed.
        case timeout
        /// The TLS handshake failed, or the peer's certificate was not trusted.
        case tls
        /// The connection broke while sending or receiving.
        case transfer
        /// The request is malformed (bad URL, unsupported scheme) or the client is misconfigured.
        case invalidRequest = "invalid_request"
        /// The client was shut down before the exchange finished.
        case shutdown
        /// The caller stopped waiting (its task was cancelled, or it stopped reading a streamed body).
        case cancelled
    }

    /// The kind of failure.
    public var kind: Kind
    /// The request's method.
    public var method: String
    /// The request's URL without query, fragment or user information.
    public var url: String
    /// libcurl's explanation, when the failure came from libcurl.
    public var detail: String

    /// Whether sending the request again may succeed: everything but a malformed request, a shutdown or a
    /// cancellation.
    public var isRetryable: Bool {
        switch kind {
        case .invalidRequest, .shutdown, .cancelled: false
        default: true
        }
    }

    /// Creates an error.
    public init(_ kind: Kind, method: String, url: String, detail: String) {
        self.kind = kind
        self.method = method
        self.url = HTTPRequest.redact(url)
        self.detail = detail
    }

    /// One line for logs: `timeout: POST https://argo:2746/api/v1/workflows/argo: Operation timed out after 2000 ms`.
    public var description: String { "\(kind.rawValue): \(method) \(url): \(detail)" }
}
