public import HTTPTransport
public import SensorKit
public import Triggers

extension GatewayConfiguration {
    /// The trigger engines' settings from the gateway's: the Argo server (token `ARGO_TOKEN`, else
    /// `argo.tokenFile`; TLS from `argo.tls` and `argo.insecureSkipVerify`), the Kubeflow Pipelines host (token from
    /// `kubeflow.tokenFile`, TLS from `kubeflow.tls`), the outbox that takes their requests when a server is unset,
    /// the routing matrix of `route` triggers and the publisher of `nats` triggers.
    /// - Parameters:
    ///   - routing: the loaded matrix, if the configuration names one that exists.
    ///   - publisher: publishes `nats` triggers; `nil` writes them to the outbox.
    ///   - log: where the `log` trigger writes.
    public func triggerConfiguration(
        routing: RoutingMatrix?, publisher: (any TriggerPublisher)?, log: @escaping @Sendable (String) -> Void
    ) -> TriggerConfiguration {
        // The environment overrides the file, as it does for every key.
        let argoToken: BearerToken.Source? =
            argo.token.map { .value($0.value) } ?? argo.tokenFile.map(BearerToken.Source.file)
        let apiVersion = KFPAPIVersion(rawValue: kubeflow.apiVersion) ?? .v2beta1
        return TriggerConfiguration(
            argo: .init(
                server: argo.server, namespace: argo.namespace, token: argoToken,
                tls: Self.httpTLS(argo.tls, insecureSkipVerify: argo.insecureSkipVerify)),
            kubeflow: .init(
                host: kubeflow.host, apiVersion: apiVersion, token: kubeflow.tokenFile.map(BearerToken.Source.file),
                tls: Self.httpTLS(kubeflow.tls, insecureSkipVerify: kubeflow.insecureSkipVerify)),
            outboxDirectory: outbox, publisher: publisher, routing: routing, log: log)
    }

    private static func httpTLS(_ files: TLSFiles?, insecureSkipVerify: Bool) -> HTTPClient.Configuration.TLS {
        HTTPClient.Configuration.TLS(
            caFile: files?.caFile, certificateFile: files?.certificateFile, keyFile: files?.keyFile,
            insecureSkipVerify: insecureSkipVerify)
    }
}
