internal import CNATS

/// A failure of a NATS or JetStream operation, with everything libnats reported about it.
///
/// `detail` is libnats' thread-local last-error text, read in the same synchronous call as the failing
/// function. Neither `detail` nor `description` ever contains a password, token or credential: libnats
/// does not echo them, and this module never adds them.
public struct NATSError: Error, Sendable, CustomStringConvertible {
    /// A stable classification to branch on; compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case connectionFailed = "connection failed"
            case authorizationFailed = "authorization failed"
            case tlsFailed = "TLS failed"
            case connectionClosed = "connection closed"
            case timeout = "timeout"
            case notFound = "not found"
            case staleRevision = "stale revision"
            case keyExists = "key exists"
            case invalidArgument = "invalid argument"
            case jetStreamAPI = "JetStream API error"
            case operationFailed = "operation failed"
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No server could be reached (refused, unreachable, DNS, protocol mismatch).
        public static let connectionFailed = Code(.connectionFailed)
        /// The server rejected the credentials (user/password, token, credentials file).
        public static let authorizationFailed = Code(.authorizationFailed)
        /// TLS could not be established (server without TLS, bad certificate, wrong CA).
        public static let tlsFailed = Code(.tlsFailed)
        /// The connection, or the consumer's subscription, was closed (by ``NATSConnection/close()``,
        /// ``NATSConnection/drain(timeout:)`` or for good).
        public static let connectionClosed = Code(.connectionClosed)
        /// The server did not answer in time.
        public static let timeout = Code(.timeout)
        /// The stream, consumer, bucket or key does not exist.
        public static let notFound = Code(.notFound)
        /// A compare-and-set update named a revision that is no longer the key's latest.
        public static let staleRevision = Code(.staleRevision)
        /// A create found the key already present.
        public static let keyExists = Code(.keyExists)
        /// An argument was rejected before or by libnats (bad subject, key, size).
        public static let invalidArgument = Code(.invalidArgument)
        /// The JetStream API answered with an error; see ``NATSError/jetStreamErrorCode``.
        public static let jetStreamAPI = Code(.jetStreamAPI)
        /// Any other failure; see ``NATSError/status`` and ``NATSError/detail``.
        public static let operationFailed = Code(.operationFailed)

        public var description: String { value.rawValue }
    }

    /// The classification.
    public let code: Code
    /// What was being done, with the names involved (stream, consumer, subject, key), e.g. `fetch EVENTS/gateway`.
    public let operation: String
    /// libnats' status name, e.g. `NATS_TIMEOUT`; empty when the error did not come from libnats.
    public let status: String
    /// The JetStream API error code (e.g. 10071 wrong last sequence), or 0 when there was none.
    public let jetStreamErrorCode: Int
    /// libnats' last-error text for the failing call, or the reason this module rejected the call.
    public let detail: String

    /// Creates an error; for errors found by this module itself rather than by libnats.
    public init(_ code: Code, operation: String, detail: String, status: String = "", jetStreamErrorCode: Int = 0) {
        self.code = code
        self.operation = operation
        self.status = status
        self.jetStreamErrorCode = jetStreamErrorCode
        self.detail = detail
    }

    /// Whether the same request may succeed later: the server did not answer in time or could not be reached, or
    /// JetStream is temporarily unavailable (10008). A cluster that lost a server answers so while it elects new
    /// leaders, for a few seconds.
    public var isTemporary: Bool {
        code == .timeout || code == .connectionFailed || jetStreamErrorCode == Int(JSClusterNotAvailErr.rawValue)
    }

    public var description: String {
        var text = "\(operation): \(code)"
        if !status.isEmpty {
            text += " (\(status)" + (jetStreamErrorCode != 0 ? ", JetStream error \(jetStreamErrorCode))" : ")")
        }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}

extension NATSError {
    /// Builds the error for a failed libnats call; must run on the thread that made the call, right after it,
    /// because `nats_GetLastError` is thread-local.
    static func fromLastError(_ status: natsStatus, operation: String, jetStreamErrorCode: jsErrCode = jsErrCode(0))
        -> NATSError
    {
        var lastStatus = NATS_OK
        let text = nats_GetLastError(&lastStatus).map { String(cString: $0) } ?? ""
        let statusText = String(cString: natsStatus_GetText(status))
        let jsCode = Int(jetStreamErrorCode.rawValue)
        return NATSError(
            classify(status, jsCode), operation: operation, detail: text.isEmpty ? statusText : text,
            status: name(of: status), jetStreamErrorCode: jsCode)
    }

    /// Runs `call` and throws the libnats error if it did not return `NATS_OK`.
    static func check(_ operation: @autoclosure () -> String, _ call: () -> natsStatus) throws(NATSError) {
        let status = call()
        guard status == NATS_OK else { throw fromLastError(status, operation: operation()) }
    }

    private static func classify(_ status: natsStatus, _ jsCode: Int) -> Code {
        switch jsCode {
        case Int(JSStreamWrongLastSequenceErr.rawValue): return .staleRevision
        case Int(JSStreamNotFoundErr.rawValue), Int(JSConsumerNotFoundErr.rawValue): return .notFound
        case 0: break
        default: return .jetStreamAPI
        }
        switch status {
        case NATS_NO_SERVER, NATS_IO_ERROR, NATS_PROTOCOL_ERROR, NATS_STALE_CONNECTION, NATS_CONNECTION_DISCONNECTED,
            NATS_NO_SERVER_SUPPORT, NATS_ADDRESS_MISSING:
            return .connectionFailed
        case NATS_NOT_PERMITTED, NATS_CONNECTION_AUTH_FAILED: return .authorizationFailed
        case NATS_SSL_ERROR, NATS_SECURE_CONNECTION_WANTED, NATS_SECURE_CONNECTION_REQUIRED: return .tlsFailed
        case NATS_CONNECTION_CLOSED, NATS_DRAINING, NATS_INVALID_SUBSCRIPTION: return .connectionClosed
        case NATS_TIMEOUT, NATS_NO_RESPONDERS: return .timeout
        case NATS_NOT_FOUND: return .notFound
        case NATS_INVALID_ARG, NATS_INVALID_SUBJECT, NATS_MAX_PAYLOAD: return .invalidArgument
        default: return .operationFailed
        }
    }

    private static func name(of status: natsStatus) -> String {
        switch status {
        case NATS_OK: "NATS_OK"
        case NATS_ERR: "NATS_ERR"
        case NATS_PROTOCOL_ERROR: "NATS_PROTOCOL_ERROR"
        case NATS_IO_ERROR: "NATS_IO_ERROR"
        case NATS_CONNECTION_CLOSED: "NATS_CONNECTION_CLOSED"
        case NATS_NO_SERVER: "NATS_NO_SERVER"
        case NATS_STALE_CONNECTION: "NATS_STALE_CONNECTION"
        case NATS_SECURE_CONNECTION_WANTED: "NATS_SECURE_CONNECTION_WANTED"
        case NATS_SECURE_CONNECTION_REQUIRED: "NATS_SECURE_CONNECTION_REQUIRED"
        case NATS_CONNECTION_DISCONNECTED: "NATS_CONNECTION_DISCONNECTED"
        case NATS_CONNECTION_AUTH_FAILED: "NATS_CONNECTION_AUTH_FAILED"
        case NATS_NOT_PERMITTED: "NATS_NOT_PERMITTED"
        case NATS_NOT_FOUND: "NATS_NOT_FOUND"
        case NATS_LINE_TOO_LONG: "NATS_LINE_TOO_LONG"
        case NATS_ADDRESS_MISSING: "NATS_ADDRESS_MISSING"
        case NATS_INVALID_SUBSCRIPTION: "NATS_INVALID_SUBSCRIPTION"
        case NATS_INVALID_TIMEOUT: "NATS_INVALID_TIMEOUT"
        case NATS_MAX_DELIVERED_MSGS: "NATS_MAX_DELIVERED_MSGS"
        case NATS_INSUFFICIENT_BUFFER: "NATS_INSUFFICIENT_BUFFER"
        case NATS_NO_MEMORY: "NATS_NO_MEMORY"
        case NATS_SYS_ERROR: "NATS_SYS_ERROR"
        case NATS_FAILED_TO_INITIALIZE: "NATS_FAILED_TO_INITIALIZE"
        case NATS_NOT_INITIALIZED: "NATS_NOT_INITIALIZED"
        case NATS_NOT_YET_CONNECTED: "NATS_NOT_YET_CONNECTED"
        case NATS_INVALID_QUEUE_NAME: "NATS_INVALID_QUEUE_NAME"
        case NATS_INVALID_ARG: "NATS_INVALID_ARG"
        case NATS_INVALID_SUBJECT: "NATS_INVALID_SUBJECT"
        case NATS_ILLEGAL_STATE: "NATS_ILLEGAL_STATE"
        case NATS_SLOW_CONSUMER: "NATS_SLOW_CONSUMER"
        case NATS_MAX_PAYLOAD: "NATS_MAX_PAYLOAD"
        case NATS_TIMEOUT: "NATS_TIMEOUT"
        case NATS_SSL_ERROR: "NATS_SSL_ERROR"
        case NATS_NO_SERVER_SUPPORT: "NATS_NO_SERVER_SUPPORT"
        case NATS_DRAINING: "NATS_DRAINING"
        case NATS_NO_RESPONDERS: "NATS_NO_RESPONDERS"
        case NATS_MISMATCH: "NATS_MISMATCH"
        case NATS_MISSED_HEARTBEAT: "NATS_MISSED_HEARTBEAT"
        default: "natsStatus \(status.rawValue)"
        }
    }
}
