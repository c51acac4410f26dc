internal import CCurl
import Foundation

/// An HTTP/1.1 and HTTP/2 client over libcurl's multi interface: many requests in flight on one dedicated
/// thread, connections kept alive and reused, TLS, connect and total timeouts, and proxies from the environment
/// (`http_proxy`, `https_proxy`, `no_proxy`, as libcurl reads them).
///
/// ```swift
/// let client = try HTTPClient(configuration: .init(tls: .init(caFile: "/etc/argo/ca.crt")))
/// let response = try await client.execute(HTTPRequest(method: "POST", url: url, body: body))
/// await client.shutdown()
/// ```
/// libcurl runs on the client's own thread, never on Swift's cooperative pool; `execute` suspends until its
/// exchange is done. Call ``shutdown()`` before dropping the last reference: requests still in flight then fail
/// with ``HTTPTransportError/Kind/shutdown``.
public final class HTTPClient: Sendable {
    /// How the client connects.
    public struct Configuration: Sendable, Hashable {
        /// TLS settings for `https://` URLs.
        public struct TLS: Sendable, Hashable {
            /// A PEM file of the certificate authorities to trust; `nil` uses the system's.
            public var caFile: String?
            /// A PEM client certificate, for mutual TLS.
            public var certificateFile: String?
            /// The PEM private key of `certificateFile`.
            public var keyFile: String?
            /// Skips verification of the server's certificate and name. Off by default; for tests only.
            public var insecureSkipVerify: Bool
            /// Certificate authorities to trust, from memory; used instead of `caFile` when set.
            public var caPEM: PEMData?
            /// A client certificate from memory; used instead of `certificateFile` when set.
            public var certificatePEM: PEMData?
            /// The private key of the client certificate, from memory; used instead of `keyFile` when set.
            public var keyPEM: PEMData?

            /// Creates TLS settings; the defaults verify the server against the system's authorities.
            public init(
                caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
                insecureSkipVerify: Bool = false, caPEM: PEMData? = nil, certificatePEM: PEMData? = nil,
                keyPEM: PEMData? = nil
            ) {
                self.caFile = caFile
                self.certificateFile = certificateFile
                self.keyFile = keyFile
                self.insecureSkipVerify = insecureSkipVerify
                self.caPEM = caPEM
                self.certificatePEM = certificatePEM
                self.keyPEM = keyPEM
            }
        }

        /// The longest a TCP and TLS connect may take (default 5 s).
        public var connectTimeout: Duration
        /// The longest a whole exchange may take unless the request says otherwise (default 30 s).
        public var requestTimeout: Duration
        /// The most connections open to one host at once (default 64); more requests wait for one.
        public var maxConnectionsPerHost: Int
        /// TLS settings.
        public var tls: TLS
        /// The `User-Agent` header.
        public var userAgent: String

        /// Creates a configuration.
        public init(
            connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(30),
            maxConnectionsPerHost: Int = 64,
            tls: TLS = TLS(), userAgent: String = "sensor-gateway"
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.tls = tls
            self.userAgent = userAgent
        }
    }

    let engine: CurlEngine

    /// The name of each client's libcurl thread, as `top -H` and `/proc/<pid>/task/<tid>/comm` show it.
    public static let threadName = "http-client"

    /// Starts the client's thread.
    /// - Throws: ``HTTPTransportError`` when libcurl cannot be initialised.
    public init(configuration: Configuration = Configuration()) throws(HTTPTransportError) {
        engine = try CurlEngine(configuration: configuration)
        let engine = self.engine
        Thread {
            // Named from the thread itself, within the 15 bytes Linux keeps, through `/proc/thread-self/comm`:
            // Foundation's `Thread.name` reaches the thread only once `start()` has recorded its pthread, which the new
            // thread may run ahead of.
            let file = open("/proc/thread-self/comm", O_WRONLY)
            if file >= 0 {
                _ = write(file, Self.threadName, Self.threadName.utf8.count)
                close(file)
            }
            engine.run()
        }.start()
    }

    deinit {
        engine.requestStop()
    }

    /// Sends `request` and waits for the complete response. Any status is a response; only a failure to get one
    /// throws.
    /// - Throws: ``HTTPTransportError`` naming the kind of failure, the method and the URL (never a header).
    public func execute(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse {
        let result = await withCheckedContinuation { continuation in
            engine.submit(Transfer(request: request, continuation: continuation))
        }
        return try result.get()
    }

    /// Fails requests still in flight with ``HTTPTransportError/Kind/shutdown``, closes every connection and
    /// stops the thread; returns when it has stopped.
    public func shutdown() async {
        await withCheckedContinuation { continuation in
            engine.requestStop(notifying: continuation)
        }
    }
}

/// One exchange, from submission until its continuation is resumed.
///
/// `@unchecked Sendable`: it is created by the caller and then handed, through the engine's locked inbox, to the
/// engine's thread, which alone reads and writes it (including from libcurl's callbacks, which run on that
/// thread inside `curl_multi_perform`) until it resumes the continuation exactly once. A ``StreamingTransfer``
/// overrides how the body is received and how the exchange ends.
class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    private let continuation: CheckedContinuation<Result<HTTPResponse, HTTPTransportError>, Never>?
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    /// The easy handle while the engine runs the exchange.
    var easy: UnsafeMutableRawPointer?

    init(request: HTTPRequest, continuation: CheckedContinuation<Result<HTTPResponse, HTTPTransportError>, Never>?) {
        self.request = request
        self.continuation = continuation
        errorBuffer.initialize(to: 0)
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Takes bytes of the body, from libcurl's write callback.
    func receive(_ bytes: UnsafeRawBufferPointer) {
        body.append(contentsOf: bytes)
    }

    /// The blank line after a response's header fields, from libcurl's header callback.
    func headersEnded() {}

    func finish(_ result: Result<HTTPResponse, HTTPTransportError>) {
        continuation?.resume(returning: result)
    }

    func fail(_ kind: HTTPTransportError.Kind, _ detail: String) {
        finish(.failure(HTTPTransportError(kind, method: request.method, url: request.url, detail: detail)))
    }
}
