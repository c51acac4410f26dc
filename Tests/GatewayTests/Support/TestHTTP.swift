import Foundation
import HTTPTransport

/// The harness's HTTP client (the admin endpoints): the gateway's own libcurl client.
/// Not URLSession: FoundationNetworking's libcurl use leaks every URL it parses, which LeakSanitizer reports and no
/// suppression can tell from a leak of ours (libcurl's stacks end at its first frame).
enum TestHTTP {
    /// One client for the whole run; its thread lives as long as the process.
    static let client = Result { () throws(HTTPTransportError) in try HTTPClient() }

    /// GETs `url`.
    /// - Throws: ``HTTPTransportError`` when nothing answers within `timeout`.
    static func get(_ url: String, headers: [(name: String, value: String)] = [], timeout: Duration)
        async throws(HTTPTransportError) -> HTTPResponse
    {
        try await client.get().execute(HTTPRequest(url: url, headers: headers, timeout: timeout))
    }

    /// POSTs `body` to `url`.
    /// - Throws: ``HTTPTransportError`` when nothing answers within `timeout`.
    static func post(
        _ url: String, body: [UInt8], headers: [(name: String, value: String)] = [], timeout: Duration
    ) async throws(HTTPTransportError) -> HTTPResponse {
        try await client.get().execute(
            HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeout: timeout))
    }
}
