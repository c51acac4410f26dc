import HTTPTransport

/// Why a Kubernetes API call or the connection's configuration failed: the kind of failure, the HTTP status and the
/// API's `Status` reason and message, and the object concerned (`Workflow argo/hello`). Never holds a token or a
/// header; the request is named by method and path only.
public struct KubernetesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The connection cannot be set up: a kubeconfig that cannot be read or used, a token file that cannot be read.
        case configuration
        /// No response: connect, TLS, timeout, a broken connection.
        case transport
        /// 401: the token or certificate was not accepted.
        case unauthorized
        /// 403: the identity may not do this (RBAC).
        case forbidden
        /// 404: no such object, or no such resource on the server.
        case notFound = "not_found"
        /// 409 `AlreadyExists`: the name is taken.
        case alreadyExists = "already_exists"
        /// 409 `Conflict`: the `resourceVersion` sent is stale.
        case conflict
        /// 410 (or an `ERROR` watch event with code 410): the resource version is too old; list again.
        case gone
        /// 400 or 422 (and other 4xx without a kind of their own): the request or the object is invalid.
        case invalid
        /// 415: the patch type is not accepted (strategic merge on a custom resource).
        case unsupportedMediaType = "unsupported_media_type"
        /// 429: throttled; ``retryAfter`` says when to come back if the server said so.
        case tooManyRequests = "too_many_requests"
        /// 5xx, or an answer that is not JSON.
        case server
        /// The server has no resource for this apiVersion and kind.
        case unknownKind = "unknown_kind"
    }

    /// The kind of failure.
    public var kind: Kind
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// The `reason` of the API's `Status` (`AlreadyExists`, `Conflict`, `Invalid`, `Expired`…), when there was one.
    public var reason: String?
    /// The API's `Status` message, or what went wrong.
    public var message: String
    /// The object concerned: `Workflow argo/hello`, `Namespace team-a`, `Pod argo/hello-*` (generateName).
    public var object: String?
    /// The request: `POST /apis/argoproj.io/v1alpha1/namespaces/argo/workflows` (no query).
    public var request: String?
    /// How long the server asked to wait (`Retry-After`), with 429 and 503.
    public var retryAfter: Duration?

    /// Creates an error.
    public init(
        _ kind: Kind, status: Int? = nil, reason: String? = nil, message: String, object: String? = nil,
        request: String? = nil, retryAfter: Duration? = nil
    ) {
        self.kind = kind
        self.status = status
        self.reason = reason
        self.message = message
        self.object = object
        self.request = request
        self.retryAfter = retryAfter
    }

    /// Whether sending the same request again later may succeed: transport failures that are not a misconfigured
    /// request, 429 and 5xx. A `conflict` is not: the same body carries the same stale `resourceVersion`, so the caller
    /// reads the object again and re-applies its change; `gone` is not either: the caller lists again.
    public var isRetryable: Bool {
        switch kind {
        case .transport, .tooManyRequests, .server: true
        default: false
        }
    }

    /// One line for logs: `conflict (409 Conflict): Workflow argo/hello: PUT /apis/…: the object has been modified…`.
    public var description: String {
        var head = kind.rawValue
        if let status {
            head += " (\(status)" + (reason.map { " \($0)" } ?? "") + ")"
        }
        return ([head] + [object, request].compactMap { $0 } + [message]).joined(separator: ": ")
    }

    /// The error of an HTTP exchange that got no response.
    static func transport(_ error: HTTPTransportError, object: String?) -> KubernetesError {
        KubernetesError(
            .transport, message: "\(error.kind.rawValue): \(error.detail)", object: object,
            request: "\(error.method) \(error.url)")
    }

    /// The kind of an HTTP status that is not a success; a 409 is told apart by the Status reason.
    static func kind(status: Int, reason: String?) -> Kind {
        switch status {
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: reason == "AlreadyExists" ? .alreadyExists : .conflict
        case 410: .gone
        case 415: .unsupportedMediaType
        case 429: .tooManyRequests
        case 400..<500: .invalid
        default: .server
        }
    }
}
