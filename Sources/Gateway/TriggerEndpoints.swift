public import ConfigReader
import Foundation
import LocalFiles
public import SensorModel
public import Triggers

/// Which trigger engines the gateway can reach: a trigger whose engine has neither an endpoint nor an outbox would
/// fail every firing, so such a sensor is a configuration error at start (and rejected on reload), never a silent
/// outbox write or a lost trigger.
public struct TriggerEndpoints: Sendable {
    /// `argo.server` is set.
    public var argo: Bool
    /// `argo.via`: how Argo Workflows are reached.
    public var argoVia: TriggerConfiguration.Argo.Via
    /// `kubeflow.host` is set.
    public var kubeflow: Bool
    /// A Kubernetes API is configured (the `kubernetes` section, in-cluster, or a kubeconfig).
    public var kubernetes: Bool
    /// `outbox` is set (or `run --dry-run`): it takes the requests of engines without an endpoint.
    public var outbox: Bool
    /// The configuration file the settings came from, named in each finding.
    public var configurationFile: String

    /// The endpoints of `configuration` (environment applied); a dry run writes everything to the outbox.
    /// - Parameter kubernetes: whether a Kubernetes API connection was found.
    public init(_ configuration: GatewayConfiguration, kubernetes: Bool, dryRun: Bool = false) {
        argo = configuration.argo.server != nil
        argoVia = configuration.argo.via
        kubeflow = configuration.kubeflow.host != nil
        self.kubernetes = kubernetes
        outbox = dryRun || configuration.outbox != nil
        configurationFile = configuration.file
    }

    /// An error finding for each trigger (and `dlqTrigger`) of `sensor` that cannot run: its engine has no endpoint
    /// and there is no outbox (`route` triggers need the engines of `routing`'s routes), its `source.configmap`
    /// has no Kubernetes API to be read through, or its operation needs the Argo Server that `argo.via: kubernetes`
    /// does without. Each finding is at the trigger's location.
    public func findings(for sensor: Sensor, routing: RoutingMatrix?) -> [Finding] {
        var findings: [Finding] = []
        for (index, trigger) in sensor.triggers.enumerated() {
            let path = "spec.triggers[\(index)]"
            findings += check(trigger, path: path, routing: routing)
            if let dead = trigger.dlqTrigger { findings += check(dead, path: path + ".dlqTrigger", routing: routing) }
        }
        return findings
    }

    private func check(_ trigger: Trigger, path: String, routing: RoutingMatrix?) -> [Finding] {
        func finding(_ message: String) -> Finding {
            Finding(
                .error, at: trigger.location, yamlPath: path,
                "trigger '\(trigger.name)' (\(trigger.kind.key)) " + message)
        }
        var findings =
            outbox
            ? []
            : missing(for: trigger.kind, routing: routing).map { setting in
                finding("needs \(setting) in \(configurationFile), or an outbox; neither is set")
            }
        let source: ArtifactLocation? =
            switch trigger.kind {
            case .argoWorkflow(let argo): argo.source
            case .k8s(let k8s): k8s.source
            case .http, .nats, .log, .kubeflowPipeline, .route: nil
            }
        if case .configMap = source, !kubernetes {
            findings.append(finding("reads source.configmap through the Kubernetes API, and none is configured"))
        }
        if case .argoWorkflow(let argoTrigger) = trigger.kind, argoVia == .kubernetes,
            argoTrigger.operation.needsArgoServer
        {
            findings.append(
                finding(
                    "operation \(argoTrigger.operation.rawValue) needs the Argo Server, and argo.via is kubernetes in "
                        + "\(configurationFile)"))
        }
        return findings
    }

    /// The settings `kind` needs that are not set.
    private func missing(for kind: TriggerKind, routing: RoutingMatrix?) -> [String] {
        let argoSetting =
            argoVia == .kubernetes ? (kubernetes ? nil : "a Kubernetes API") : (argo ? nil : "argo.server")
        switch kind {
        case .argoWorkflow:
            return argoSetting.map { [$0] } ?? []
        case .k8s:
            return kubernetes ? [] : ["a Kubernetes API"]
        case .kubeflowPipeline:
            return kubeflow ? [] : ["kubeflow.host"]
        case .route:
            let routes = (routing?.routes ?? []) + (routing?.defaultRoute.map { [$0] } ?? [])
            let engines = Set(routes.map(\.engine))
            var settings: [String] = []
            if let argoSetting, engines.contains(.argo) || engines.contains(.hybrid) { settings.append(argoSetting) }
            if !kubeflow && engines.contains(.kubeflow) { settings.append("kubeflow.host") }
            return settings
        case .http, .nats, .log:
            return []
        }
    }
}

/// Sensors whose triggers cannot reach their engine, found at start.
public struct UnreachableTriggers: Error, Sendable, CustomStringConvertible {
    /// One error per trigger, located in its sensor file.
    public let findings: [Finding]

    public var description: String { findings.map(\.description).joined(separator: "\n") }
}

extension SensorSet {
    /// The set with every sensor that has a trigger `endpoints` cannot reach moved to ``rejected``, with a finding
    /// per such trigger.
    public func rejectingUnreachable(_ endpoints: TriggerEndpoints, routing: RoutingMatrix?) -> SensorSet {
        var reachable: [Sensor] = []
        var rejected = self.rejected
        for sensor in sensors {
            let findings = endpoints.findings(for: sensor, routing: routing)
            if findings.isEmpty {
                reachable.append(sensor)
            } else {
                rejected.append(
                    RejectedSensor(
                        file: sensor.location.file, name: sensor.name, namespace: sensor.namespace, findings: findings))
            }
        }
        return SensorSet(sensors: reachable, files: files, subjectPrefix: subjectPrefix, rejected: rejected)
    }

    /// Throws when any sensor has a trigger `endpoints` cannot reach: a configuration error at start.
    /// - Throws: ``UnreachableTriggers`` with every such trigger.
    public func requireReachable(_ endpoints: TriggerEndpoints, routing: RoutingMatrix?) throws(UnreachableTriggers) {
        let findings = sensors.flatMap { endpoints.findings(for: $0, routing: routing) }
        if !findings.isEmpty { throw UnreachableTriggers(findings: findings) }
    }
}

extension GatewayConfiguration {
    /// For `validate`: the sensors this configuration names (`sensors`, with `routing`), each trigger checked
    /// against its endpoints; a warning when the sensors cannot be read, since nothing could be checked.
    package func unreachableTriggerFindings() -> [Finding] {
        guard let sensors else { return [] }
        guard FileManager.default.fileExists(atPath: sensors) else {
            return [
                Finding(
                    .warning, at: SourceLocation(file: file, line: 1, column: 1), yamlPath: "sensors",
                    "sensors '\(sensors)' does not exist here: trigger endpoints not checked")
            ]
        }
        let catalog = SensorFiles.load(paths: [sensors])
        let routing =
            FileManager.default.fileExists(atPath: self.routing)
            ? try? SensorFiles.loadRouting(file: self.routing).matrix : nil
        let endpoints = TriggerEndpoints(self, kubernetes: (try? kubernetesConnection()) != nil)
        return catalog.sensors.flatMap { endpoints.findings(for: $0, routing: routing) }
    }
}
