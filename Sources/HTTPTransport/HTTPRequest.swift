import Foundation

/// An HTTP request: what to send, and how long to wait for the answer.
public struct HTTPRequest: Sendable, Hashable {
    /// The method, e.g. `GET`, `POST`.
    public var method: String
    /// The absolute URL, `http://` or `https://`.
    public var url: String
    /// Header fields in order; names as given.
    public var headers: [(name: String, value: String)]
    /// The body; empty for none.
    public var body: [UInt8]
    /// The longest the whole exchange may take; `nil` uses the client's ``HTTPClient/Configuration/requestTimeout``.
    public var timeout: Duration?
    /// When set, libcurl signs the request with AWS Signature Version 4 (S3).
    public var awsSignature: AWSSignature?

    /// Creates a request.
    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.timeout == rhs.timeout
            && lhs.awsSignature == rhs.awsSignature
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        hasher.combine(body)
    }

    /// The URL without user information, query or fragment: safe to log, since a query may carry a secret.
    public var redactedURL: String { HTTPRequest.redact(url) }

    static func redact(_ url: String) -> String {
        // On the UTF-8 bytes: every byte looked for is ASCII, so each index found is a character boundary.
        var text = Substring(url)
        let utf8 = text.utf8
        if let end = utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            text = text[..<end]
        }
        if let authority = authorityStart(text.utf8),
            let at = text.utf8[authority...].firstIndex(of: UInt8(ascii: "@")),
            !text.utf8[authority..<at].contains(UInt8(ascii: "/"))
        {
            text = text[..<authority] + text[text.utf8.index(after: at)...]
        }
        return String(text)
    }

    /// The index after the first `://`, found byte by byte (the standard library's generic `firstRange(of:)` is not
    /// specialised for a UTF-8 view: several microseconds a call, on every `http` trigger's outcome).
    private static func authorityStart(_ utf8: Substring.UTF8View) -> Substring.Index? {
        let colon = UInt8(ascii: ":")
        let slash = UInt8(ascii: "/")
        var index = utf8.startIndex
        while let found = utf8[index...].firstIndex(of: colon) {
            let first = utf8.index(after: found)
            guard first < utf8.endIndex else { return nil }
            let second = utf8.index(after: first)
            if second < utf8.endIndex, utf8[first] == slash, utf8[second] == slash { return utf8.index(after: second) }
            index = first
        }
        return nil
    }
}

/// An HTTP response.
public struct HTTPResponse: Sendable, Hashable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Header fields of the final response, in order; names lower-cased.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]
    /// The HTTP version the exchange used: `1.1` or `2`.
    public var httpVersion: String

    /// Creates a response.
    public init(
        status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], httpVersion: String = "1.1"
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    public static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.httpVersion == rhs.httpVersion
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }
}
