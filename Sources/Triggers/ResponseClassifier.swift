import EventModel
import HTTPTransport

/// The server a response came from: the error body and the 409 rules differ.
enum Service: String, Sendable {
    case argo = "Argo Server"
    case kubeflow = "Kubeflow Pipelines"
    case http = "HTTP"
}

/// What a response means, per the wire contracts (Argo A.7, KFP B.1).
enum ResponseClass: Sendable, Equatable {
    /// 2xx.
    case success
    /// The object exists (Argo 409; KFP 409 whose details say it already exists).
    case exists
    /// Try again, after the server's `Retry-After` when it gave one.
    case retryable(after: Duration?)
    /// 404: retried within the not-found grace (a template created a moment ago), then permanent.
    case notFound
    /// 500: retried a few times, then permanent.
    case internalError
    /// Never retried.
    case permanent

    /// Classifies a status.
    /// - Parameters:
    ///   - response: the response.
    ///   - service: who answered.
    ///   - idempotent: whether sending again cannot create a duplicate (a deterministic name, or a read); a 504
    ///     is retried only then, since the server may have created the object.
    static func of(_ response: HTTPResponse, service: Service, idempotent: Bool) -> ResponseClass {
        switch response.status {
        case 200..<300: return .success
        case 409:
            guard service == .kubeflow else { return .exists }
            // KFP maps both AlreadyExists and Aborted (a bad request) to 409: its details say which.
            return ErrorBody(response.body).message.lowercased().contains("already exist") ? .exists : .permanent
        case 429, 502, 503: return .retryable(after: retryAfter(response))
        case 504: return idempotent ? .retryable(after: retryAfter(response)) : .permanent
        case 404: return .notFound
        case 500..<600: return .internalError
        default: return .permanent
        }
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by these servers).
    static func retryAfter(_ response: HTTPResponse) -> Duration? {
        guard let text = response.header("retry-after"), let seconds = Int(text), seconds >= 0 else { return nil }
        return .seconds(min(seconds, 3600))
    }
}

/// The `{code, message, details}` error body of grpc-gateway (Argo Server, KFP); `message` prefers KFP's
/// user-facing `details[0].message`.
struct ErrorBody {
    var message: String

    init(_ bytes: [UInt8]) {
        guard let value = try? JSONCodec.decode(bytes) else {
            message = String(decoding: bytes.prefix(200), as: UTF8.self)
            return
        }
        let detail = value["details"]?.arrayValue?.first?["message"]?.stringValue
        message = detail ?? value["message"]?.stringValue ?? value["error"]?.stringValue ?? ""
    }

    /// `<service> answered <status> to <METHOD> <url>: <message>`, the message shortened to 300 characters.
    static func describe(_ response: HTTPResponse, service: Service, method: String, url: String) -> String {
        let message = ErrorBody(response.body).message
        let short = message.count > 300 ? String(message.prefix(300)) + "…" : message
        return "\(service.rawValue) answered \(response.status) to \(method) \(HTTPRequest(url: url).redactedURL)"
            + (short.isEmpty ? "" : ": \(short)")
    }
}
