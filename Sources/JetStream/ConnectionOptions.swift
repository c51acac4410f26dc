/// How to reach and authenticate to NATS, and how to behave when the connection drops.
///
/// - Configuration keys (as `config/gateway.yaml` spells them under `nats:`): `urls` (list, default
///   `nats://127.0.0.1:4222`), `credentialsFile`, `token` (secret), `tls.ca`, `tls.cert`, `tls.key`.
///
/// Printing the options (or an error made from them) never shows a password or token.
public struct ConnectionOptions: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// How the client authenticates; at most one kind per connection.
    public enum Authentication: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// No credentials.
        case none
        /// A user name and password (the password is never printed).
        case userPassword(user: String, password: String)
        /// A bearer token (never printed).
        case token(String)
        /// A `.creds` file holding a user JWT and its NKey seed.
        case credentialsFile(path: String)

        public var description: String {
            switch self {
            case .none: "none"
            case .userPassword(let user, _): "user \(user)"
            case .token: "token"
            case .credentialsFile(let path): "credentials file \(path)"
            }
        }

        public var debugDescription: String { description }

        /// Reflection (`dump`, the default printing of enclosing values) shows ``description`` only.
        public var customMirror: Mirror { Mirror(self, children: ["kind": description]) }
    }

    /// TLS settings; any non-nil field turns TLS on.
    public struct TLS: Sendable {
        /// PEM file of the CA certificates that sign the server's certificate.
        public var caFile: String?
        /// PEM file of the client certificate (with `keyFile`, for mutual TLS).
        public var certificateFile: String?
        /// PEM file of the client certificate's private key.
        public var keyFile: String?

        /// Creates TLS settings; with no argument, TLS with the system's default trust.
        public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// Reconnection after a lost connection: forever by default, waiting `initialDelay`, doubling up to
    /// `maximumDelay`, plus up to `jitter`.
    public struct Reconnect: Sendable {
        /// Attempts before giving up; nil retries forever.
        public var maximumAttempts: Int?
        /// Delay before the first retry of a server list round.
        public var initialDelay: Duration
        /// Ceiling of the doubling delay.
        public var maximumDelay: Duration
        /// Random extra delay added to each wait.
        public var jitter: Duration
        /// Bytes of publishes and acks kept while disconnected and sent after reconnecting.
        public var bufferBytes: Int

        /// Creates a reconnect policy.
        public init(
            maximumAttempts: Int? = nil, initialDelay: Duration = .milliseconds(100),
            maximumDelay: Duration = .seconds(5),
            jitter: Duration = .milliseconds(100), bufferBytes: Int = 8 * 1024 * 1024
        ) {
            self.maximumAttempts = maximumAttempts
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
            self.jitter = jitter
            self.bufferBytes = bufferBytes
        }

        /// The wait before attempt `attempt` (1-based) of a round over the server list.
        func delay(forAttempt attempt: Int) -> Duration {
            let doublings = min(max(attempt - 1, 0), 30)
            let delay = initialDelay * (1 << doublings)
            return min(delay, maximumDelay)
        }
    }

    /// Server URLs, e.g. `nats://127.0.0.1:4222` or `tls://nats.example:4222`; tried in order.
    public var urls: [String]
    /// Connection name shown by the server's monitoring (`connz`).
    public var name: String?
    /// Credentials.
    public var authentication: Authentication
    /// TLS, or nil for plain TCP (a `tls://` URL also turns TLS on).
    public var tls: TLS?
    /// Reconnection policy.
    public var reconnect: Reconnect
    /// Time allowed to establish one connection (TCP, TLS and the NATS handshake).
    public var connectTimeout: Duration
    /// Time allowed for a JetStream API request or a publish acknowledgement.
    public var requestTimeout: Duration
    /// Whether ``JetStreamMessage/ack()`` goes out on a second connection to the same servers whose writes are
    /// coalesced (libnats' flusher sends what accumulated about every millisecond), instead of one write per ack on
    /// the main connection, which sends everything at once. Every message still gets its own ack; an ack reaches the
    /// server up to a millisecond later, and ``NATSConnection/drain(timeout:)`` and ``NATSConnection/close()``
    /// flush the acks first. Naks, terms and in-progress signals are not delayed.
    public var coalescesAcks = false

    /// Creates options; every parameter but `urls` has a production default.
    public init(
        urls: [String] = ["nats://127.0.0.1:4222"], name: String? = nil, authentication: Authentication = .none,
        tls: TLS? = nil, reconnect: Reconnect = Reconnect(), connectTimeout: Duration = .seconds(2),
        requestTimeout: Duration = .seconds(5)
    ) {
        self.urls = urls
        self.name = name
        self.authentication = authentication
        self.tls = tls
        self.reconnect = reconnect
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }
}

extension ConnectionOptions {
    public var description: String {
        "ConnectionOptions(urls: \(NATSConnection.redacted(urls)), name: \(name ?? "-"), authentication: \(authentication), "
            + "tls: \(tls == nil ? "off" : "on"), connectTimeout: \(connectTimeout), requestTimeout: \(requestTimeout), "
            + "coalescesAcks: \(coalescesAcks))"
    }

    public var debugDescription: String { description }

    /// Reflection (`dump`) shows ``description`` only, so URL credentials stay hidden.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension Duration {
    /// Whole milliseconds, rounded down, at least `minimum`.
    func milliseconds(minimum: Int64 = 0) -> Int64 {
        let (seconds, attoseconds) = components
        return max(minimum, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Whole nanoseconds, rounded down.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
