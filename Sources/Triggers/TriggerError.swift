/// Why a trigger could not be turned into a request, or its request could not be sent. It names the field, file,
/// URL or event concerned, never a token or a secure header's value.
public struct TriggerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// A request cannot be built from the resolved values (a missing name, a malformed label).
        case invalidRequest = "invalid_request"
        /// A trigger parameter did not resolve.
        case parameter
        /// The resource of a trigger `source` (url, file, configmap, git, s3) could not be read or parsed.
        case source
        /// A bearer token or secure header could not be read.
        case secret
        /// The outbox file could not be written.
        case outbox
        /// The trigger needs something the configuration lacks (a NATS publisher).
        case configuration
        /// The server's answer could not be understood.
        case response
    }

    /// The kind of failure.
    public var kind: Kind
    /// What went wrong, with its context.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}
