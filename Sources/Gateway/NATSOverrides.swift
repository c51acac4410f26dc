public import ConfigReader
import Foundation
public import JetStream

/// NATS settings given over `gateway.yaml`'s `nats` section: the environment's (`NATS_CREDS`, `NATS_TOKEN`,
/// `NATS_CA`, `NATS_CERT`, `NATS_KEY`), then the command line's, which a reload applies again.
public struct NATSOverrides: Sendable {
    /// Where the settings come from, to name them in an error.
    public enum Source: Sendable {
        /// Environment variables.
        case environment
        /// Command-line options.
        case commandLine
    }

    /// The servers; nil keeps the file's.
    public var urls: [String]?
    /// A `.creds` file; it replaces the file's credentials file or token.
    public var credentialsFile: String?
    /// A token; it replaces the file's credentials file or token (a credentials file given beside it wins).
    public var token: Secret?
    /// TLS files, each replacing its own.
    public var tls: ConnectionOptions.TLS
    /// Where they come from.
    public var source: Source

    /// Creates overrides; with no argument, they change nothing.
    public init(
        urls: [String]? = nil, credentialsFile: String? = nil, token: Secret? = nil,
        tls: ConnectionOptions.TLS = ConnectionOptions.TLS(), source: Source = .commandLine
    ) {
        self.urls = urls
        self.credentialsFile = credentialsFile
        self.token = token
        self.tls = tls
        self.source = source
    }

    /// The URLs of a comma-separated list (`NATS_URL`, `--server`), blanks trimmed, empty entries dropped.
    public static func urls(in list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Applies the overrides to `nats`.
    /// - Throws: ``ConfigurationError`` when a client certificate ends up without its key, or a key without its
    ///   certificate.
    public func apply(to nats: inout GatewayConfiguration.NATS) throws(ConfigurationError) {
        if let urls { nats.urls = urls }
        if let credentialsFile {
            (nats.credentialsFile, nats.token) = (credentialsFile, nil)
        } else if let token {
            (nats.credentialsFile, nats.token) = (nil, token)
        }
        guard tls.caFile != nil || tls.certificateFile != nil || tls.keyFile != nil else { return }
        var merged = nats.tls ?? ConnectionOptions.TLS()
        if let ca = tls.caFile { merged.caFile = ca }
        if let certificate = tls.certificateFile { merged.certificateFile = certificate }
        if let key = tls.keyFile { merged.keyFile = key }
        nats.tls = merged
        guard (merged.certificateFile == nil) != (merged.keyFile == nil) else { return }
        let missing: String
        switch source {
        case .environment: missing = merged.certificateFile == nil ? "$NATS_CERT" : "$NATS_KEY"
        case .commandLine: missing = merged.certificateFile == nil ? "--tls-cert" : "--tls-key"
        }
        throw ConfigurationError(
            at: SourceLocation(file: missing, line: 0, column: 0),
            "the NATS client certificate and its key go together: set both or neither")
    }
}

extension GatewayConfiguration {
    /// Reads `path`, applies the process environment, then `overrides` (the command line's NATS options).
    /// - Throws: ``ConfigurationError`` with every problem, each at its `file:line:col`, or naming the option.
    public static func load(path: String, overriding overrides: NATSOverrides) throws(ConfigurationError)
        -> GatewayConfiguration
    {
        var configuration = try load(path: path)
        try overrides.apply(to: &configuration.nats)
        return configuration
    }
}
