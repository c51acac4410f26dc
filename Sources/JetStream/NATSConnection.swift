internal import CNATS

/// A connection to NATS with its JetStream context: the owner of one `natsConnection` and one `jsCtx`.
///
/// ```swift
/// let connection = try await NATSConnection.connect(ConnectionOptions(urls: ["nats://127.0.0.1:4222"]))
/// let consumer = try await connection.pullConsumer(stream: "EVENTS", durable: "sensor-gateway")
/// for try await message in consumer.messages() { …; try message.ack() }
/// try await connection.drain(timeout: .seconds(10))
/// ```
///
/// Publishes and acks are buffered while the connection is re-established, which it is forever by default.
/// Consumers, buckets and publishes keep the connection alive; `deinit` closes and destroys it.
///
/// Sendable: the two C handles are set once in `init` and destroyed only in `deinit`, and libnats locks
/// every `natsConnection` and `jsCtx` call internally (its documented thread safety); every other stored
/// property is immutable and Sendable.
public final class NATSConnection: @unchecked Sendable {
    let handle: OpaquePointer
    let jetStream: OpaquePointer
    let worker: BlockingWorker
    let requestTimeout: Duration
    /// Runs batch publishes one at a time, so ``publishFailures`` belongs to the batch running.
    let publishWorker = BlockingWorker(label: "nats.publish-batch")
    /// Receives libnats' asynchronous publish failures; handed to libnats unretained, and outlives every
    /// asynchronous publish because `deinit` waits for those to finish before the context is destroyed.
    let publishFailures: PublishFailureSink
    /// Where messages of this connection's consumers are acked when ``ConnectionOptions/coalescesAcks`` is set.
    let acks: AckConnection?
    private let sink: ConnectionEventSink

    private init(
        handle: OpaquePointer, jetStream: OpaquePointer, sink: ConnectionEventSink, publishFailures: PublishFailureSink,
        requestTimeout: Duration, worker: BlockingWorker, acks: AckConnection?
    ) {
        self.publishFailures = publishFailures
        self.acks = acks
        self.handle = handle
        self.jetStream = jetStream
        self.sink = sink
        self.requestTimeout = requestTimeout
        self.worker = worker
    }

    deinit {
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = requestTimeout.milliseconds(minimum: 1)
        _ = js_PublishAsyncComplete(jetStream, &options)
        jsCtx_Destroy(jetStream)
        natsConnection_Destroy(handle)
    }

    /// Connects to the first reachable server of `options.urls`.
    ///
    /// The first connection is not retried: an unreachable server, wrong credentials or a TLS mismatch
    /// fail here within `options.connectTimeout` per server. Later losses are reconnected per `options.reconnect`.
    /// - Throws: ``NATSError`` with code ``NATSError/Code/connectionFailed``, ``NATSError/Code/authorizationFailed``,
    ///   ``NATSError/Code/tlsFailed`` or ``NATSError/Code/invalidArgument`` (a TLS file that does not load).
    public static func connect(_ options: ConnectionOptions) async throws(NATSError) -> NATSConnection {
        let worker = BlockingWorker(label: "nats.requests", concurrent: true)
        return try await worker.run { () throws(NATSError) in try makeConnection(options, worker: worker) }
    }

    private static func makeConnection(_ options: ConnectionOptions, worker: BlockingWorker) throws(NATSError)
        -> NATSConnection
    {
        guard !options.urls.isEmpty else {
            throw NATSError(.invalidArgument, operation: "connect", detail: "no server URL given")
        }
        var natsOptions: OpaquePointer?
        try NATSError.check("connect: create options") { natsOptions_Create(&natsOptions) }
        guard let natsOptions else {
            throw NATSError(.operationFailed, operation: "connect", detail: "natsOptions_Create returned no options")
        }
        defer { natsOptions_Destroy(natsOptions) }
        try configure(natsOptions, from: options, sendsAtOnce: true)

        let sink = ConnectionEventSink(reconnect: options.reconnect)
        let retainedSink = try sink.install(on: natsOptions)
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, natsOptions)
        guard status == NATS_OK, let connection else {
            let error = NATSError.fromLastError(status, operation: "connect to \(redacted(options.urls))")
            retainedSink.release()
            throw error
        }
        var jsOptions = jsOptions()
        jsOptions_Init(&jsOptions)
        jsOptions.Wait = options.requestTimeout.milliseconds(minimum: 1)
        let publishFailures = PublishFailureSink()
        jsOptions.PublishAsync.ErrHandler = publishFailureTrampoline
        jsOptions.PublishAsync.ErrHandlerClosure = Unmanaged.passUnretained(publishFailures).toOpaque()
        jsOptions.PublishAsync.MaxPending = 4096
        jsOptions.PublishAsync.StallWait = options.requestTimeout.milliseconds(minimum: 1)
        var context: OpaquePointer?
        let jsStatus = natsConnection_JetStream(&context, connection, &jsOptions)
        guard jsStatus == NATS_OK, let context else {
            let error = NATSError.fromLastError(jsStatus, operation: "connect: create JetStream context")
            natsConnection_Destroy(connection)
            throw error
        }
        var acks: AckConnection?
        if options.coalescesAcks {
            do throws(NATSError) {
                acks = try AckConnection(options)
            } catch {
                jsCtx_Destroy(context)
                natsConnection_Destroy(connection)
                throw error
            }
        }
        return NATSConnection(
            handle: connection, jetStream: context, sink: sink, publishFailures: publishFailures,
            requestTimeout: options.requestTimeout, worker: worker, acks: acks)
    }

    /// Sets `natsOptions` from `options`.
    /// - Parameter sendsAtOnce: whether each write is sent at once (libnats' `SendAsap`) or left to its flusher,
    ///   which sends what accumulated about every millisecond.
    static func configure(_ natsOptions: OpaquePointer, from options: ConnectionOptions, sendsAtOnce: Bool)
        throws(NATSError)
    {
        let arena = CStringArena()
        let urls = arena.copyArray(options.urls)
        try NATSError.check("connect: server URLs \(redacted(options.urls))") {
            natsOptions_SetServers(natsOptions, urls, Int32(options.urls.count))
        }
        try NATSError.check("connect: no randomize") { natsOptions_SetNoRandomize(natsOptions, true) }
        if let name = options.name {
            try NATSError.check("connect: name") { natsOptions_SetName(natsOptions, name) }
        }
        switch options.authentication {
        case .none:
            break
        case .userPassword(let user, let password):
            try NATSError.check("connect: user and password") { natsOptions_SetUserInfo(natsOptions, user, password) }
        case .token(let token):
            try NATSError.check("connect: token") { natsOptions_SetToken(natsOptions, token) }
        case .credentialsFile(let path):
            try NATSError.check("connect: credentials file \(path)") {
                natsOptions_SetUserCredentialsFromFiles(natsOptions, path, nil)
            }
        }
        if let tls = options.tls {
            try NATSError.check("connect: enable TLS") { natsOptions_SetSecure(natsOptions, true) }
            if let ca = tls.caFile {
                try NATSError.check("connect: TLS CA file \(ca)") {
                    natsOptions_LoadCATrustedCertificates(natsOptions, ca)
                }
            }
            if tls.certificateFile != nil || tls.keyFile != nil {
                guard let certificate = tls.certificateFile, let key = tls.keyFile else {
                    throw NATSError(
                        .invalidArgument, operation: "connect: TLS client certificate",
                        detail: "a client certificate needs both a certificate file and a key file")
                }
                try NATSError.check("connect: TLS certificate \(certificate) and key \(key)") {
                    natsOptions_LoadCertificatesChain(natsOptions, certificate, key)
                }
            }
        }
        let reconnect = options.reconnect
        try NATSError.check("connect: reconnect policy") {
            var status = natsOptions_SetAllowReconnect(natsOptions, true)
            if status == NATS_OK {
                let attempts = reconnect.maximumAttempts.map { Int32(clamping: $0) } ?? -1
                status = natsOptions_SetMaxReconnect(natsOptions, attempts)
            }
            if status == NATS_OK {
                status = natsOptions_SetReconnectBufSize(natsOptions, Int32(clamping: reconnect.bufferBytes))
            }
            return status
        }
        try NATSError.check("connect: timeout") {
            natsOptions_SetTimeout(natsOptions, options.connectTimeout.milliseconds(minimum: 1))
        }
        // Without it, libnats' flusher holds every small write (pull requests, acks) for about 1 ms.
        try NATSError.check("connect: send as soon as possible") { natsOptions_SetSendAsap(natsOptions, sendsAtOnce) }
        withExtendedLifetime(arena) {}
    }

    /// The URLs with any `user:password@` part replaced by `***@`, for logs and messages.
    public static func redacted(_ urls: [String]) -> String {
        urls.map { url in
            guard let at = url.lastIndex(of: "@"), let scheme = url.firstRange(of: "://") else { return url }
            return String(url[..<scheme.upperBound]) + "***@" + String(url[url.index(after: at)...])
        }.joined(separator: ",")
    }

    /// The current state, for a readiness probe.
    public var state: ConnectionState {
        switch natsConnection_Status(handle) {
        case NATS_CONN_STATUS_CONNECTED: .connected
        case NATS_CONN_STATUS_DRAINING_SUBS, NATS_CONN_STATUS_DRAINING_PUBS: .draining
        case NATS_CONN_STATUS_CLOSED: .closed
        default: .reconnecting
        }
    }

    /// Connection events in the order libnats reported them; finishes after ``ConnectionEvent/closed``.
    /// Meant for one reader (the daemon's health or log task); the newest 64 events are kept when it lags.
    public var events: AsyncStream<ConnectionEvent> { sink.events }

    /// Stops every subscription (consumers end after their current batch), sends what is buffered and closes.
    /// Returns once the connection is closed.
    /// - Parameter timeout: the longest the drain may take before libnats closes the connection anyway.
    /// - Throws: ``NATSError`` if the drain could not start (e.g. the connection is already closed).
    public func drain(timeout: Duration = .seconds(30)) async throws(NATSError) {
        let connection = self
        try await worker.run { () throws(NATSError) in
            try NATSError.check("drain") {
                natsConnection_DrainTimeout(connection.handle, timeout.milliseconds(minimum: 1))
            }
        }
        await sink.waitUntilClosed()
        try? await worker.run { () throws(NATSError) in connection.acks?.close(flushingFor: timeout) }
    }

    /// Closes the connection at once (unsent buffered data is lost, except acks, which get up to a second to reach
    /// the server; prefer ``drain(timeout:)``) and returns once it is closed. Closing a closed connection does
    /// nothing.
    public func close() async {
        let connection = self
        try? await worker.run { () throws(NATSError) in
            connection.acks?.close(flushingFor: .seconds(1))
            natsConnection_Close(connection.handle)
        }
        await sink.waitUntilClosed()
    }
}
