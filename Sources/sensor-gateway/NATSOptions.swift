import ArgumentParser
import Foundation
import Gateway
import JetStream

/// The NATS connection options of `run`, `provision`, `publish` and `dlq`. They override `gateway.yaml`'s `nats`
/// section and the environment (`NATS_URL`, `NATS_CREDS`, `NATS_TOKEN`, `NATS_CA`, `NATS_CERT`, `NATS_KEY`), which
/// in turn override the file.
struct NATSOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "NATS server URLs, comma-separated (default: $NATS_URL, else nats.urls or nats://127.0.0.1:4222).",
            valueName: "url"))
    var server: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A NATS .creds file: user JWT and NKey seed (default: $NATS_CREDS).", valueName: "file"),
        completion: .file())
    var creds: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A file holding the NATS token ($NATS_TOKEN holds the token itself).", valueName: "file"),
        completion: .file())
    var tokenFile: String?

    @Option(
        name: .customLong("tls-ca"),
        help: ArgumentHelp("PEM CA certificates that sign the server's (default: $NATS_CA).", valueName: "file"),
        completion: .file())
    var tlsCA: String?

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp("PEM client certificate, with --tls-key (default: $NATS_CERT).", valueName: "file"),
        completion: .file())
    var tlsCertificate: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp("PEM key of the client certificate (default: $NATS_KEY).", valueName: "file"),
        completion: .file())
    var tlsKey: String?

    func validate() throws {
        if creds != nil && tokenFile != nil { throw ValidationError("give at most one of --creds and --token-file") }
    }

    /// The options as overrides of `gateway.yaml` and the environment.
    /// - Throws: ``NATSOptionError`` when the token file cannot be read.
    func overrides() throws(NATSOptionError) -> NATSOverrides {
        var token: Secret?
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw NATSOptionError(message: "--token-file \(tokenFile): cannot read the file")
            }
            token = Secret(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return NATSOverrides(
            urls: server.map(NATSOverrides.urls(in:)), credentialsFile: creds, token: token,
            tls: ConnectionOptions.TLS(caFile: tlsCA, certificateFile: tlsCertificate, keyFile: tlsKey))
    }

    /// The connection of a command that reads no `gateway.yaml`: the defaults, the environment, then the options.
    /// - Parameter name: the client name the server shows.
    func connectionOptions(name: String) throws -> ConnectionOptions {
        var configuration = try GatewayConfiguration.defaults(environment: ProcessInfo.processInfo.environment)
        try overrides().apply(to: &configuration.nats)
        var options = configuration.connectionOptions
        options.name = name
        return options
    }
}

/// A NATS command-line option that cannot be used.
struct NATSOptionError: Error, CustomStringConvertible {
    /// What is wrong, naming the option.
    var message: String

    var description: String { message }
}
