public import ConfigReader
import Foundation
import LocalFiles
public import SensorModel

/// Which trigger engines the gateway can reach: a trigger whose engine has neither an endpoint nor an outbox would
/// fail every firing, so such a sensor is a configuration error at start (and rejected on reload), never a silent
/// outbox write or a lost trigger.
public struct TriggerEndpoints: Sendable {
    /// `argo.server` is set.
    public var argo: Bool
    /// `kubeflow.host` is set.
    public var kubeflow: Bool
    /// `outbox` is set (or `run --dry-run`): it takes the requests of engines without an endpoint.
    public var outbox: Bool
    /// The configuration file the settings came from, named in each finding.
    public var configurationFile: String

    /// The endpoints of `configuration` (environment applied); a dry run writes everything to the outbox.
    public init(_ configuration: GatewayConfiguration, dryRun: Bool = false) {
        argo = configuration.argo.server != nil
        kubeflow = configuration.kubeflow.host != nil
        outbox = dryRun || configuration.outbox != nil
        configurationFile = configuration.file
    }

    /// An error finding for each trigger (and `dlqTrigger`) of `sensor` whose engine cannot be reached, at the
    /// trigger's location; `route` triggers need the engines of `routing`'s routes.
    public func findings(for sensor: Sensor, routing: RoutingMatrix?) -> [Finding] {
        guard !outbox else { return [] }
        var findings: [Finding] = []
        for (index, trigger) in sensor.triggers.enumerated() {
            let path = "spec.triggers[\(index)]"
            findings += check(trigger, path: path, routing: routing)
            if let dead = trigger.dlqTrigger { findings += check(dead, path: path + ".dlqTrigger", routing: routing) }
        }
        return findings
    }

    private func check(_ trigger: Trigger, path: String, routing: RoutingMatrix?) -> [Finding] {
        missing(for: trigger.kind, routing: routing).map { setting in
            Finding(
                .error, at: trigger.location, yamlPath: path,
                "trigger '\(trigger.name)' (\(trigger.kind.key)) needs \(setting) in \(configurationFile), or an "
                    + "outbox; neither is set")
        }
    }

    /// The settings `kind` needs that are not set.
    private func missing(for kind: TriggerKind, routing: RoutingMatrix?) -> [String] {
        switch kind {
        case .argoWorkflow, .k8sWorkflow:
            return argo ? [] : ["argo.server"]
        case .kubeflowPipeline:
            return kubeflow ? [] : ["kubeflow.host"]
        case .route:
            let routes = (routing?.routes ?? []) + (routing?.defaultRoute.map { [$0] } ?? [])
            let engines = Set(routes.map(\.engine))
            var settings: [String] = []
            if !argo && (engines.contains(.argo) || engines.contains(.hybrid)) { settings.append("argo.server") }
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
        let endpoints = TriggerEndpoints(self)
        return catalog.sensors.flatMap { endpoints.findings(for: $0, routing: routing) }
    }
}
