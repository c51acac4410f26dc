import Foundation
import HTTPTransport

/// The harness's HTTP client (the admin endpoints, the stand-in's control API): the gateway's own libcurl client.
/// Not URLSession: FoundationNetworking's libcurl use leaks every URL it parses, which LeakSanitizer reports and no
/// suppression can tell from a leak of ours (libcurl's stacks end at its first frame).
enum TestHTTP {
    /// One client for the whole run; its thread lives as long as the process.
    static let client = Result { () throws(HTTPTransportError) in try HTTPClient() }

    /// Sends one request.
    /// - Throws: ``HTTPTransportError`` when nothing answers within `timeout`.
    static func send(_ method: String, _ url: String, body: [UInt8] = [], timeout: Duration = .seconds(10))
        async throws(HTTPTransportError) -> HTTPResponse
    {
        let headers = body.isEmpty ? [] : [(name: "Content-Type", value: "application/json")]
        return try await client.get().execute(
            HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout))
    }

    /// POSTs `body` as JSON to `url`.
    /// - Throws: ``HarnessFailure`` unless the answer is 200.
    static func postJSON(_ url: String, _ body: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: body)
        let response = try await send("POST", url, body: Array(data))
        guard response.status == 200 else {
            throw HarnessFailure(
                description: "\(url) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
    }
}
