internal import CCurl
import Foundation
import Synchronization

/// The libcurl multi handle and the loop that drives it on the client's thread.
///
/// `@unchecked Sendable`, because: `active` and `idle` (and every easy handle) are read and written only by
/// `run()`, on the client's one thread. Other threads touch only `inbox`, through its `Mutex`, and call
/// `curl_multi_wakeup`, which libcurl documents as safe from any thread. `multi` stays valid for the engine's
/// whole life: it is cleaned up in `deinit`, after the thread and the client have both released the engine.
final class CurlEngine: @unchecked Sendable {
    private struct Inbox {
        var pending: [Transfer] = []
        var cancelled: [Transfer] = []
        var isStopping = false
        var isStopped = false
        /// A wakeup was sent since the loop last took the inbox: it will take what is added now without another.
        var isWoken = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    private let configuration: HTTPClient.Configuration
    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idle: [UnsafeMutableRawPointer] = []

    init(configuration: HTTPClient.Configuration) throws(HTTPTransportError) {
        guard Self.globalInit == CURLE_OK, let multi = curl_multi_init() else {
            throw HTTPTransportError(.invalidRequest, method: "-", url: "-", detail: "libcurl could not be initialised")
        }
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        // Keep that many idle connections too. libcurl's default cache holds 4 per transfer running when a
        // connection comes back, so after a burst (the gateway fetches a batch, triggers it, fetches again) it closed
        // the connections above that and the next burst connected again: 112 connections for 1000 requests with 16
        // in flight in the gateway benchmark.
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxConnectionsPerHost)
        self.multi = multi
        self.configuration = configuration
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// Queues `transfer` for the loop, or fails it at once if the client is stopping.
    func submit(_ transfer: Transfer) {
        let (accepted, wake) = inbox.withLock { inbox in
            guard !inbox.isStopping else { return (false, false) }
            inbox.pending.append(transfer)
            defer { inbox.isWoken = true }
            return (true, !inbox.isWoken)
        }
        if wake {
            curl_multi_wakeup(multi)
        } else if !accepted {
            transfer.fail(.shutdown, "the HTTP client is shut down")
        }
    }

    /// Asks the loop to end `transfer` if it is still running; it then fails with ``HTTPTransportError/Kind/cancelled``.
    func cancel(_ transfer: Transfer) {
        inbox.withLock { $0.cancelled.append(transfer) }
        curl_multi_wakeup(multi)
    }

    /// Asks the loop to stop; `waiter` is resumed once it has.
    func requestStop(notifying waiter: CheckedContinuation<Void, Never>? = nil) {
        let isStopped = inbox.withLock { inbox in
            inbox.isStopping = true
            if !inbox.isStopped, let waiter { inbox.stopWaiters.append(waiter) }
            return inbox.isStopped
        }
        if isStopped {
            waiter?.resume()
        } else {
            curl_multi_wakeup(multi)
        }
    }

    /// The loop: start queued transfers, let libcurl work, finish completed ones, sleep until a socket or a wakeup.
    func run() {
        while true {
            let (incoming, cancelled, isStopping) = inbox.withLock { inbox in
                defer { (inbox.pending, inbox.cancelled, inbox.isWoken) = ([], [], false) }
                return (inbox.pending, inbox.cancelled, inbox.isStopping)
            }
            if isStopping {
                for transfer in incoming { transfer.fail(.shutdown, "the HTTP client is shut down") }
                break
            }
            for transfer in incoming { start(transfer) }
            for transfer in cancelled { abort(transfer) }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            finishCompleted()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            curl_easy_cleanup(easy)
            transfer.fail(.shutdown, "the HTTP client was shut down during the exchange")
        }
        active = [:]
        for easy in idle { curl_easy_cleanup(easy) }
        idle = []
        let waiters = inbox.withLock { inbox in
            inbox.isStopped = true
            defer { inbox.stopWaiters = [] }
            return inbox.stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func start(_ transfer: Transfer) {
        guard let easy = idle.popLast() ?? curl_easy_init() else {
            transfer.fail(.invalidRequest, "curl_easy_init failed")
            return
        }
        curl_easy_reset(easy)
        let code = configure(easy, for: transfer)
        guard code == CURLE_OK else {
            idle.append(easy)
            transfer.fail(.invalidRequest, String(cString: curl_easy_strerror(code)))
            return
        }
        active[easy] = transfer
        transfer.easy = easy
        curl_multi_add_handle(multi, easy)
    }

    /// Ends a running transfer early; its connection is closed with it. A transfer already done is left alone.
    private func abort(_ transfer: Transfer) {
        guard let easy = transfer.easy, active[easy] === transfer else { return }
        active[easy] = nil
        curl_multi_remove_handle(multi, easy)
        curl_easy_cleanup(easy)
        transfer.easy = nil
        transfer.fail(.cancelled, "the request was cancelled")
    }

    /// Sets every option of one exchange; the first failure is returned.
    private func configure(_ easy: UnsafeMutableRawPointer, for transfer: Transfer) -> CURLcode {
        let request = transfer.request
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        let tls = configuration.tls
        var steps: [() -> CURLcode] = [
            { ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url) },
            { ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1) },
            {
                ccurl_easy_setopt_long(
                    easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(self.configuration.connectTimeout))
            },
            {
                ccurl_easy_setopt_long(
                    easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout ?? self.configuration.requestTimeout))
            },
            { ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS) },
            { ccurl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1) },
            { ccurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1) },
            { ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, self.configuration.userAgent) },
            { ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer) },
            { ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, appendBody) },
            { ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context) },
            { ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, appendHeader) },
            { ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context) },
        ]
        if let caFile = tls.caFile { steps.append { ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, caFile) } }
        if let certificate = tls.certificateFile {
            steps.append { ccurl_easy_setopt_string(easy, CURLOPT_SSLCERT, certificate) }
        }
        if let key = tls.keyFile { steps.append { ccurl_easy_setopt_string(easy, CURLOPT_SSLKEY, key) } }
        for (option, pem) in [
            (CURLOPT_CAINFO_BLOB, tls.caPEM), (CURLOPT_SSLCERT_BLOB, tls.certificatePEM),
            (CURLOPT_SSLKEY_BLOB, tls.keyPEM),
        ] {
            guard let pem else { continue }
            steps.append {
                pem.bytes.withUnsafeBytes { ccurl_easy_setopt_blob(easy, option, $0.baseAddress, $0.count) }
            }
        }
        if tls.insecureSkipVerify {
            steps.append { ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0) }
            steps.append { ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0) }
        }
        switch request.method.uppercased() {
        case "GET" where request.body.isEmpty:
            steps.append { ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1) }
        case "HEAD":
            steps.append { ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1) }
        case let method:
            if method != "POST" { steps.append { ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method) } }
            steps.append { ccurl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)) }
            steps.append {
                request.body.withUnsafeBytes { body in
                    // COPYPOSTFIELDS copies the bytes, so the body need not outlive this call.
                    ccurl_easy_setopt_pointer(
                        easy, CURLOPT_COPYPOSTFIELDS,
                        UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafeRawPointer(transfer.errorBuffer)))
                }
            }
        }
        // An empty `Expect:` stops libcurl from waiting for `100 Continue` before sending a large body. Not on an
        // AWS-signed request: libcurl signs the headers it is given, and `Expect:` would be signed but never sent.
        let expect = request.awsSignature == nil ? ["Expect:"] : []
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + expect {
            transfer.headerList = curl_slist_append(transfer.headerList, line)
        }
        steps.append { ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, transfer.headerList) }
        steps += Self.awsSignatureSteps(easy, for: request)
        for step in steps {
            let code = step()
            if code != CURLE_OK { return code }
        }
        return CURLE_OK
    }

    private func finishCompleted() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, easy)
            guard let transfer = active.removeValue(forKey: easy) else { continue }
            if code == CURLE_OK {
                var status = 0
                var version = 0
                _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
                _ = ccurl_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
                transfer.finish(
                    .success(
                        HTTPResponse(
                            status: status, headers: transfer.headers, body: transfer.body,
                            httpVersion: version == CURL_HTTP_VERSION_2_0 ? "2" : "1.1")))
            } else {
                let detail = String(cString: transfer.errorBuffer)
                transfer.fail(Self.kind(of: code), detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
            }
            if idle.count < configuration.maxConnectionsPerHost {
                idle.append(easy)
            } else {
                curl_easy_cleanup(easy)
            }
        }
    }

    private static func kind(of code: CURLcode) -> HTTPTransportError.Kind {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .nameResolution
        case CURLE_COULDNT_CONNECT: .connect
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            .tls
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT: .invalidRequest
        default: .transfer
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

/// libcurl's body callback: hands the bytes to the transfer. Runs on the client's thread.
private let appendBody: ccurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let length = size * count
    guard let data, length > 0 else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    transfer.receive(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// libcurl's header callback: one header line per call; a status line starts a new response (after a redirect
/// or a `100 Continue`). Runs on the client's thread. Works on the bytes (no Foundation trimming): it runs for
/// every header of every response.
private let appendHeader: ccurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let length = size * count
    guard let data, length > 0 else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: length)
    if bytes.starts(with: "HTTP/".utf8) {
        transfer.headers = []
    } else if bytes.elementsEqual("\r\n".utf8) || bytes.elementsEqual("\n".utf8) {
        transfer.headersEnded()
    } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
        let name = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        // Optional whitespace around the value, and the line's CR LF (RFC 9110 §5.5).
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        var start = colon + 1
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        transfer.headers.append((name, String(decoding: bytes[start..<end], as: UTF8.self)))
    }
    return length
}
