import EventModel
import Foundation
public import Hummingbird

/// Opt-in authentication of the admin endpoints (`admin.tokenFile`): every path but the probes (`/healthz`,
/// `/readyz`, which the kubelet calls without credentials) and the console's static files (`/`, `/console.js`,
/// `/console.css`: no state, and a browser cannot send a header when it opens a page) answers 401 unless the request carries
/// `Authorization: Bearer <the file's content>`. The file is read per request, so a rotated Secret applies at once;
/// an unreadable file fails closed (503), and the token never appears in an answer or a log.
public struct AdminAuthentication<Context: RequestContext>: RouterMiddleware {
    /// The file holding the token (trailing newlines ignored).
    let tokenFile: String

    /// The paths that never ask for a token.
    static var openPaths: Set<String> { AdminServer.consolePaths.union(["/healthz", "/readyz"]) }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !Self.openPaths.contains(request.uri.path) else { return try await next(request, context) }
        guard let expected = Self.token(in: tokenFile) else {
            return AdminServer.json(.serviceUnavailable, ["error": "admin.tokenFile cannot be read"])
        }
        let presented = request.headers[.authorization].flatMap { header -> Substring? in
            header.hasPrefix("Bearer ") ? header.dropFirst(7) : nil
        }
        guard let presented, Self.constantTimeEqual(Array(presented.utf8), Array(expected.utf8)) else {
            var response = AdminServer.json(.unauthorized, ["error": "a bearer token is required"])
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// The token in `file`, or `nil` when it cannot be read or is empty.
    static func token(in file: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text.isEmpty ? nil : text
    }

    /// Compares without returning early at the first difference, so timing tells nothing about the token.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }
}
