import ConfigReader
public import SensorModel

/// The sensors the engine runs come from two sources: the sensor files (``ReloadService`` replaces them) and the
/// Sensor objects of Kubernetes (``KubernetesSensorService`` replaces them). Replacing either part applies the
/// union through one path: a Kubernetes Sensor named like a file sensor in the same namespace is rejected as a
/// duplicate, sensors with a trigger the gateway cannot reach are rejected
/// (``SensorSet/rejectingUnreachable(_:routing:)``), a rejected new version keeps the running one
/// (``SensorSet/keepingRejected(from:)``), and the engine switches (``GatewayEngine/apply(_:)``). Replacements are
/// applied one at a time, in the order they were made.
public actor SensorComposer {
    /// What one replacement applied.
    public struct Outcome: Sendable {
        /// The sensors now running, and those rejected.
        public let set: SensorSet
        /// The names of the running sensors kept because their new version is rejected.
        public let kept: [String]
        /// The files (for Kubernetes Sensors, `kubernetes:<namespace>/<name>`) of the sensors rejected because a
        /// trigger cannot reach its engine, rather than for their own errors.
        public let unreachableFiles: Set<String>
    }

    private var files: SensorSet
    private var routing: RoutingMatrix?
    private var kubernetes = SensorCatalog()
    private let endpoints: TriggerEndpoints
    private let engine: GatewayEngine
    private let metrics: GatewayMetrics
    private let state: GatewayState
    private var lastApply: Task<Outcome, Never>?

    /// Creates the composer of a gateway that starts with `files` running.
    /// - Parameters:
    ///   - files: the file sensors the engine was started with.
    ///   - routing: the routing matrix of `route` triggers.
    ///   - endpoints: the engines the triggers can reach.
    ///   - engine: where the union goes.
    ///   - metrics: `sensor_gateway_sensors_rejected` is set at each apply.
    ///   - state: holds the running sensors.
    public init(
        files: SensorSet, routing: RoutingMatrix?, endpoints: TriggerEndpoints, engine: GatewayEngine,
        metrics: GatewayMetrics, state: GatewayState
    ) {
        self.files = files
        self.routing = routing
        self.endpoints = endpoints
        self.engine = engine
        self.metrics = metrics
        self.state = state
    }

    /// Replaces the file sensors and the routing matrix, and applies the union.
    public func replaceFiles(_ files: SensorSet, routing: RoutingMatrix?) async -> Outcome {
        self.files = files
        self.routing = routing
        return await applyInOrder()
    }

    /// Replaces the Kubernetes Sensors (each loaded as a file `kubernetes:<namespace>/<name>`), and applies the union.
    public func replaceKubernetesSensors(_ catalog: SensorCatalog) async -> Outcome {
        kubernetes = catalog
        return await applyInOrder()
    }

    /// Applies the parts as they are once every earlier replacement is applied.
    private func applyInOrder() async -> Outcome {
        let previous = lastApply
        let task = Task {
            _ = await previous?.value
            return await self.applyCurrent()
        }
        lastApply = task
        return await task.value
    }

    private func applyCurrent() async -> Outcome {
        let merged = merge()
        let reachable = merged.rejectingUnreachable(endpoints, routing: routing)
        let alreadyRejected = Set(merged.rejected.map(\.file))
        let unreachable = Set(reachable.rejected.map(\.file).filter { !alreadyRejected.contains($0) })
        let (set, kept) = state.sensors.map(reachable.keepingRejected(from:)) ?? (reachable, [])
        await engine.apply(set)
        state.setRouting(routing)
        metrics.setSensorsRejected(set.rejected.count)
        return Outcome(set: set, kept: kept, unreachableFiles: unreachable)
    }

    /// The file sensors, then the Kubernetes Sensors whose namespace and name no file sensor has.
    private func merge() -> SensorSet {
        func key(_ sensor: Sensor) -> String { "\(sensor.namespace ?? "")/\(sensor.name)" }
        var byKey = Dictionary(files.sensors.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        var sensors = files.sensors
        var rejected = files.rejected
        for sensor in kubernetes.sensors {
            if let first = byKey[key(sensor)] {
                rejected.append(
                    RejectedSensor(
                        file: sensor.location.file, name: sensor.name, namespace: sensor.namespace,
                        findings: [
                            Finding(
                                .error, at: sensor.location, yamlPath: "metadata.name",
                                "duplicate sensor name '\(sensor.name)' (first in \(first.location.file))")
                        ]))
            } else {
                byKey[key(sensor)] = sensor
                sensors.append(sensor)
            }
        }
        return SensorSet(
            sensors: sensors, files: files.files + kubernetes.files, subjectPrefix: files.subjectPrefix,
            rejected: rejected + kubernetes.rejected)
    }
}
