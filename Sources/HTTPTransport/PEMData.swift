/// PEM text held in memory (a certificate, or a private key) for TLS settings that do not come from a file, such as
/// a kubeconfig's `certificate-authority-data` or `client-key-data`. libcurl reads it from memory, so a private key
/// never has to be written to disk.
///
/// Its `description` and reflection give the size only, never the content.
public struct PEMData: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// The PEM bytes.
    public let bytes: [UInt8]

    /// Wraps PEM bytes.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// `<PEM, n bytes>`.
    public var description: String { "<PEM, \(bytes.count) bytes>" }
    /// Reflection (`dump`) shows ``description`` only.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
