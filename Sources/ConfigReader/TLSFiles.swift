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

extension FieldReader {
    /// A `tls:` section under `key`: `ca`, `cert` and `key` files; a certificate needs its key and a key its
    /// certificate.
    package mutating func tlsFiles(_ key: String, diagnostics: inout Diagnostics) -> TLSFiles? {
        guard var tls = mapping(key, diagnostics: &diagnostics) else { return nil }
        let files = TLSFiles(
            caFile: tls.string("ca", diagnostics: &diagnostics),
            certificateFile: tls.string("cert", diagnostics: &diagnostics),
            keyFile: tls.string("key", diagnostics: &diagnostics))
        tls.finish(diagnostics: &diagnostics, label: "unknown key")
        if (files.certificateFile == nil) != (files.keyFile == nil) {
            let missing = files.certificateFile == nil ? "cert" : "key"
            diagnostics.error(
                "\(tls.childPath(missing)): cert and key go together: set both or neither", at: tls.node,
                path: tls.childPath(missing))
        }
        return files
    }
}
