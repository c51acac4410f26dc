public import Foundation

/// A self-signed certificate for `localhost` and 127.0.0.1 with its key, made with the openssl command in a
/// temporary directory of its own (``remove()`` deletes it).
public struct SelfSignedCertificate: Sendable {
    /// The directory holding the two files.
    public let directory: URL
    /// The certificate's PEM file.
    public var certificate: String { directory.appendingPathComponent("server.crt").path }
    /// The private key's PEM file.
    public var key: String { directory.appendingPathComponent("server.key").path }

    /// Makes the certificate.
    /// - Throws: ``LoopbackTestingError`` when openssl fails.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LoopbackTestingError("openssl could not make a test certificate (`make deps` installs openssl)")
        }
    }

    /// Deletes the directory with both files.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
