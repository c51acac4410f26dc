import HTTPTransport
public import SensorKit
public import Triggers

extension GatewayConfiguration {
    /// The trigger engines' settings from the gateway's: the Argo server (token from `argo.tokenFile`, else
    /// `ARGO_TOKEN`), the Kubeflow Pipelines host (token from `kubeflow.tokenFile`), the outbox that takes their
    /// requests when a server is unset, and the routing matrix of `route` triggers.
    /// - Parameters:
    ///   - routing: the loaded matrix, if the configuration names one that exists.
    ///   - log: where the `log` trigger writes.
    public func triggerConfiguration(routing: RoutingMatrix?, log: @escaping @Sendable (String) -> Void)
        -> TriggerConfiguration
    {
        let argoToken: BearerToken.Source? =
            argo.tokenFile.map(BearerToken.Source.file) ?? argo.token.map { .value($0.value) }
        let apiVersion = KFPAPIVersion(rawValue: kubeflow.apiVersion) ?? .v2beta1
        return TriggerConfiguration(
            argo: .init(
                server: argo.server, namespace: argo.namespace, token: argoToken,
                tls: .init(insecureSkipVerify: argo.insecureSkipVerify)),
            kubeflow: .init(
                host: kubeflow.host, apiVersion: apiVersion, token: kubeflow.tokenFile.map(BearerToken.Source.file)),
            outboxDirectory: outbox, routing: routing, log: log)
    }
}
