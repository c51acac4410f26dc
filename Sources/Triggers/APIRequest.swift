public import EventModel

/// A request to the Argo Server or the Kubeflow Pipelines API, as a plain value: what the request builders
/// produce and what the executor sends (adding the server's base URL, `Content-Type` and the bearer token).
public struct APIRequest: Sendable, Hashable {
    /// The method: `GET`, `POST`, `PUT`.
    public var method: String
    /// The path and query under the server's base URL, percent-encoded (`/api/v1/workflows/argo`).
    public var path: String
    /// The JSON body, if any.
    public var body: EventValue?

    /// Creates a request.
    public init(method: String, path: String, body: EventValue? = nil) {
        self.method = method
        self.path = path
        self.body = body
    }

    /// The request as JSON: `{"method":…,"path":…,"body":…}`.
    public var json: EventValue {
        var map: EventMap = ["method": .string(method), "path": .string(path)]
        if let body { map["body"] = body }
        return .map(map)
    }
}

/// Percent-encoding for path segments and query values (RFC 3986 unreserved characters stay as they are).
enum URLComponent {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// `?k=v&k2=v2` with encoded values, skipping `nil` ones; empty when none remain.
    static func query(_ items: [(String, String?)]) -> String {
        let parts = items.compactMap { key, value in value.map { "\(key)=\(encode($0))" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
