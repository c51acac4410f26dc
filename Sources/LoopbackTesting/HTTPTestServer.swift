/// The plain HTTP/1.1 (or HTTPS) server of `Scripts/http_test_server.py` on a loopback port, for one test: `/echo`
/// answers with the request it got, `/status/<n>` with that status, `/slow/<ms>` after a delay, and `/stats` with the
/// most `/slow` requests it held at once. Connections are kept alive.
public final class HTTPTestServer: Sendable {
    /// `http`, or `https` when the server was given a certificate.
    public let scheme: String
    private let server: LoopbackServer

    /// The port the server listens on, on 127.0.0.1.
    public var port: Int { server.port }

    /// Starts the server; with `tls`, it serves HTTPS with that certificate and key.
    /// - Throws: ``LoopbackTestingError`` when it does not start.
    public init(tls: SelfSignedCertificate? = nil) throws {
        server = try LoopbackServer(
            script: "http_test_server.py", arguments: tls.map { ["--cert", $0.certificate, "--key", $0.key] } ?? [])
        scheme = tls == nil ? "http" : "https"
    }

    /// `http://127.0.0.1:<port><path>` (or https, or another `host`).
    public func url(_ path: String, host: String = "127.0.0.1") -> String { "\(scheme)://\(host):\(port)\(path)" }
}
