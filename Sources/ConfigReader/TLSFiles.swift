/// The `tls:` files of a client or server section: `ca`, `cert` and `key`.
public struct TLSFiles: Sendable, Hashable {
    /// `ca`: PEM certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// `cert`: a PEM certificate.
    public var certificateFile: String?
    /// `key`: the PEM private key of `cert`.
    public var keyFile: String?

    /// The three files; a certificate needs its key.
    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

extension YAMLSection {
    /// A `tls:` section: `ca`, `cert` and `key` files; a certificate needs its key and a key its certificate.
    package func tlsFiles() throws(ConfigurationError) -> TLSFiles {
        try checkKeys(["ca", "cert", "key"])
        let files = TLSFiles(
            caFile: try string("ca"), certificateFile: try string("cert"), keyFile: try string("key"))
        if (files.certificateFile == nil) != (files.keyFile == nil) {
            throw error(files.certificateFile == nil ? "cert" : "key", "cert and key go together: set both or neither")
        }
        return files
    }
}
