public import ConfigReader
import Foundation
import JetStream

extension GatewayConfiguration {
    /// The defaults with `environment` applied: the NATS connection of commands that read no `gateway.yaml`
    /// (`publish`, `dlq`).
    /// - Throws: ``ConfigurationError`` naming the variable that is wrong.
    public static func defaults(environment: [String: String]) throws(ConfigurationError) -> GatewayConfiguration {
        var configuration = GatewayConfiguration(file: "<environment>")
        try configuration.apply(environment: environment)
        return configuration
    }

    /// The environment variables that override `gateway.yaml`, as the nats CLI, the argo CLI and the kfp SDK read
    /// them: `NATS_URL` (comma-separated), `NATS_CREDS` (a `.creds` file), `NATS_TOKEN`, `NATS_CA`, `NATS_CERT`,
    /// `NATS_KEY` (TLS files), `ARGO_SERVER`, `ARGO_TOKEN` (with or without `Bearer `), `ARGO_NAMESPACE`,
    /// `ARGO_INSECURE_SKIP_VERIFY`, `ARGO_SECURE` (`false`: a bare `ARGO_SERVER` host is `http://`),
    /// `KF_PIPELINES_ENDPOINT`, `KF_PIPELINES_SA_TOKEN_PATH`. Booleans follow ``GoBool``, as in the file. The
    /// standard `OTEL_*` variables decide whether traces are exported (``Tracing/apply(environment:)``).
    mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return nil
            }
            return value
        }
        func flag(_ name: String) throws(ConfigurationError) -> Bool? {
            guard let text = value(name) else { return nil }
            guard let flag = GoBool.parse(text) else {
                throw ConfigurationError(
                    at: SourceLocation(file: "$\(name)", line: 0, column: 0),
                    "environment variable \(name) must be \(GoBool.spellings), found '\(text)'")
            }
            return flag
        }
        try NATSOverrides(
            urls: value("NATS_URL").map(NATSOverrides.urls(in:)), credentialsFile: value("NATS_CREDS"),
            token: value("NATS_TOKEN").map(Secret.init),
            tls: ConnectionOptions.TLS(
                caFile: value("NATS_CA"), certificateFile: value("NATS_CERT"), keyFile: value("NATS_KEY")),
            source: .environment
        ).apply(to: &nats)
        if let server = value("ARGO_SERVER") { argo.server = server }
        if let token = value("ARGO_TOKEN") {
            argo.token = Secret(token.hasPrefix("Bearer ") ? String(token.dropFirst(7)) : token)
        }
        if let namespace = value("ARGO_NAMESPACE") { argo.namespace = namespace }
        if let insecure = try flag("ARGO_INSECURE_SKIP_VERIFY") { argo.insecureSkipVerify = insecure }
        let secure = try flag("ARGO_SECURE") ?? true
        if let server = argo.server, !server.contains("://") {
            argo.server = (secure ? "https://" : "http://") + server
        }
        if let host = value("KF_PIPELINES_ENDPOINT") { kubeflow.host = host }
        if let path = value("KF_PIPELINES_SA_TOKEN_PATH") { kubeflow.tokenFile = path }
        try tracing.apply(environment: environment)
    }
}
