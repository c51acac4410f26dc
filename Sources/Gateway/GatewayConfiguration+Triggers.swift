import ConfigReader
import Foundation
import HTTPTransport
public import Kubernetes
import LocalFiles
import SensorEngine
public import SensorModel
public import Triggers

extension GatewayConfiguration {
    /// The trigger engines' settings from the gateway's: the Argo server (token `ARGO_TOKEN`, else
    /// `argo.tokenFile`; TLS from `argo.tls` and `argo.insecureSkipVerify`), the Kubeflow Pipelines host (token from
    /// `kubeflow.tokenFile`, TLS from `kubeflow.tls`), the outbox that takes their requests when a server is unset,
    /// the routing matrix of `route` triggers, the publisher of `nats` triggers, the timeout of Argo and KFP
    /// requests (`processing.requestTimeout`), the Secrets directory (`secrets.directory`) and how trigger sources
    /// are read (`artifacts`).
    /// - Parameters:
    ///   - routing: the loaded matrix, if the configuration names one that exists.
    ///   - publisher: publishes `nats` triggers; `nil` writes them to the outbox.
    ///   - claims: where firings without an idempotency key are claimed (`processing.executionTimeout`); `nil`:
    ///     not claimed.
    ///   - kubernetes: the Kubernetes API of `k8s` triggers, `argo.via: kubernetes` and `source.configmap`; `nil`
    ///     when none is configured.
    ///   - dryRun: send nothing: every trigger's request goes to the outbox (`outbox`, else
    ///     ``dryRunOutbox``).
    ///   - log: where the `log` trigger writes.
    public func triggerConfiguration(
        routing: RoutingMatrix?, publisher: (any TriggerPublisher)?, claims: (any FiringClaims)? = nil,
        kubernetes: KubernetesClient? = nil,
        dryRun: Bool = false, log: @escaping @Sendable (String) -> Void
    ) -> TriggerConfiguration {
        // The environment overrides the file, as it does for every key.
        let argoToken: BearerToken.Source? =
            argo.token.map { .value($0.value) } ?? argo.tokenFile.map(BearerToken.Source.file)
        let apiVersion = KFPAPIVersion(rawValue: kubeflow.apiVersion) ?? .v2beta1
        return TriggerConfiguration(
            argo: .init(
                server: dryRun ? nil : argo.server, namespace: argo.namespace, token: argoToken,
                tls: Self.httpTLS(argo.tls, insecureSkipVerify: argo.insecureSkipVerify), via: argo.via),
            kubeflow: .init(
                host: dryRun ? nil : kubeflow.host, apiVersion: apiVersion,
                token: kubeflow.tokenFile.map(BearerToken.Source.file),
                tls: Self.httpTLS(kubeflow.tls, insecureSkipVerify: kubeflow.insecureSkipVerify)),
            kubernetes: dryRun ? nil : kubernetes,
            outboxDirectory: dryRun ? outbox ?? Self.dryRunOutbox : outbox, dryRun: dryRun,
            publisher: dryRun ? nil : publisher, routing: routing, secretsDirectory: secretsDirectory,
            artifacts: .init(
                gitCacheDirectory: artifacts.gitCache, gitFetchInterval: artifacts.gitFetchInterval,
                configMaps: kubernetes.map(KubernetesConfigMaps.init), configMapTTL: artifacts.configMapTTL),
            log: log, requestTimeout: processing.requestTimeout, claims: dryRun ? nil : claims,
            executionTimeout: processing.executionTimeout)
    }

    /// How `POST /api/explain` shows the requests triggers would send: workflows in `argo.namespace`, runs of
    /// `kubeflow.apiVersion`, `k8s` objects in the connection's default namespace (a placeholder without one).
    public func requestPreviews(kubernetes: KubernetesConnection?) -> TriggerRequestPreviews {
        var previews = TriggerRequestPreviews(
            argoNamespace: argo.namespace,
            kubeflowAPIVersion: KFPAPIVersion(rawValue: kubeflow.apiVersion) ?? .v2beta1)
        if let kubernetes { previews.kubernetesNamespace = kubernetes.namespace }
        return previews
    }

    /// The outbox of a dry run when `outbox` is unset.
    public static let dryRunOutbox = ".sensor-gateway/outbox"

    private static func httpTLS(_ files: TLSFiles?, insecureSkipVerify: Bool) -> HTTPClient.Configuration.TLS {
        HTTPClient.Configuration.TLS(
            caFile: files?.caFile, certificateFile: files?.certificateFile, keyFile: files?.keyFile,
            insecureSkipVerify: insecureSkipVerify)
    }
}

extension GatewayConfiguration {
    /// The routing matrix of `route` triggers: the `routing` file, loaded when it exists.
    /// - Parameter sensors: the sensors it serves; one with a `route` trigger makes a missing file an error, not a
    ///   trigger that fails on every event.
    /// - Throws: ``RoutingLoadError`` naming the file and each finding; ``RoutingFileMissing``.
    public func loadRouting(for sensors: SensorSet) throws -> RoutingMatrix? {
        guard FileManager.default.fileExists(atPath: routing) else {
            let routed = sensors.sensors.flatMap { sensor in
                sensor.triggers.compactMap { trigger -> String? in
                    if case .route = trigger.kind { return "\(sensor.name)/\(trigger.name)" }
                    return nil
                }
            }
            guard routed.isEmpty else { throw RoutingFileMissing(path: routing, triggers: routed) }
            return nil
        }
        return try SensorFiles.loadRouting(file: routing).matrix
    }
}

/// Sensors with `route` triggers, and no routing file.
public struct RoutingFileMissing: Error, Sendable, CustomStringConvertible {
    /// The `routing` path.
    public let path: String
    /// The route triggers, as `sensor/trigger`.
    public let triggers: [String]

    public var description: String {
        "\(path): the routing matrix is missing, and route triggers need it: \(triggers.joined(separator: ", "))"
    }
}
