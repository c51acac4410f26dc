import EventModel
import Foundation
public import Logging
import SensorEngine
import SensorModel
public import ServiceLifecycle
public import Triggers
import UnixSignals

/// Reloads the sensors and the routing matrix on SIGHUP and when the config file, a sensor file or the routing file
/// changes (polled every `processing.reloadInterval`).
///
/// A reload reads the config file, the sensors and the routing matrix it names. When the config file or the routing
/// matrix is invalid (or, in strict mode, any sensor), the errors are logged, `config_reloads_total{outcome="failure"}`
/// counts it and the running sensors and matrix stay. Otherwise the executor switches to the new matrix and the
/// sensors go through the ``SensorComposer`` (beside the Kubernetes Sensors): the engine runs the valid ones, a
/// rejected sensor whose running version is known keeps it (``SensorSet/keepingRejected(from:)``), and such a
/// reload counts as `partial`. Changes to other keys need a restart and are logged as such.
public struct ReloadService: Service {
    private let configurationPath: String
    private let running: GatewayConfiguration
    private let natsOverrides: NATSOverrides
    private let strict: Bool
    private let endpoints: TriggerEndpoints
    private let composer: SensorComposer
    private let executor: TriggerExecutor
    private let metrics: GatewayMetrics
    private let state: GatewayState
    private let logger: Logger

    /// Creates the service.
    /// - Parameters:
    ///   - configurationPath: the config file to re-read.
    ///   - running: the configuration the process started with.
    ///   - natsOverrides: the command line's NATS options, applied to each reading of the file as at start.
    ///   - strict: reject a reload whole when any sensor is invalid.
    ///   - endpoints: the engines the running executor reaches; with `strict`, a new sensor with a trigger it cannot
    ///     reach rejects the reload.
    ///   - composer: where new sensors go.
    ///   - executor: where a new routing matrix goes.
    ///   - metrics: counts reloads.
    ///   - state: records the last rejected reload for `/status`.
    ///   - logger: the logger.
    public init(
        configurationPath: String, running: GatewayConfiguration, natsOverrides: NATSOverrides = NATSOverrides(),
        strict: Bool = false, endpoints: TriggerEndpoints,
        composer: SensorComposer, executor: TriggerExecutor, metrics: GatewayMetrics, state: GatewayState,
        logger: Logger
    ) {
        self.configurationPath = configurationPath
        self.running = running
        self.natsOverrides = natsOverrides
        self.strict = strict
        self.endpoints = endpoints
        self.composer = composer
        self.executor = executor
        self.metrics = metrics
        self.state = state
        self.logger = logger
    }

    /// Waits for SIGHUP and file changes until graceful shutdown.
    public func run() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() {
                    await reload(because: "SIGHUP")
                }
            }
            let interval = running.processing.reloadInterval
            guard interval > .zero else { return }
            group.addTask {
                var fingerprint = currentFingerprint(of: running)
                while !Task.isShuttingDownGracefully {
                    do {
                        try await Task.sleep(for: interval)
                    } catch {
                        return
                    }
                    let current = currentFingerprint(of: currentConfiguration())
                    guard current != fingerprint else { continue }
                    fingerprint = current
                    await reload(because: "file change")
                }
            }
        }
    }

    /// Re-reads the config and the sensors; applies the valid ones.
    func reload(because cause: String) async {
        let configuration: GatewayConfiguration
        let loaded: SensorSet
        let routing: RoutingMatrix?
        do {
            configuration = try GatewayConfiguration.load(path: configurationPath, overriding: natsOverrides)
            loaded = try SensorSet.load(
                path: configuration.sensors, subjectPrefix: running.nats.subjectPrefix, strict: strict)
            routing = try configuration.loadRouting(for: loaded)
            if strict { try loaded.requireReachable(endpoints, routing: routing) }
        } catch {
            metrics.configReloaded(outcome: "failure")
            state.setLastReloadError("\(error)")
            logger.error(
                "reload rejected; the running sensors and routing matrix stay",
                metadata: ["cause": "\(cause)", LoggingKeys.error: "\(error)"])
            return
        }
        for key in changedRestartKeys(configuration) {
            logger.warning("\(key) changed: restart the gateway to apply it")
        }
        executor.replaceRouting(routing)
        let outcome = await composer.replaceFiles(loaded, routing: routing)
        // Kubernetes Sensors are reported by their own service and in their status.
        let rejected = outcome.set.rejected.filter { !$0.file.hasPrefix(KubernetesSensorObjects.filePrefix) }
        SensorSet.log(rejected: rejected, to: logger)
        state.setLastReloadError(nil)
        metrics.configReloaded(outcome: rejected.isEmpty ? "success" : "partial")
        logger.info(
            "reloaded",
            metadata: [
                "cause": "\(cause)", "sensors": "\(outcome.set.sensors.map(\.name).joined(separator: ","))",
                "kept": "\(outcome.kept.joined(separator: ","))", "rejected": "\(rejected.count)",
                "subjects": "\(outcome.set.subjects.count)",
            ])
    }

    /// The config file as it is now (the running one if the file does not parse).
    private func currentConfiguration() -> GatewayConfiguration {
        (try? GatewayConfiguration.load(path: configurationPath, overriding: natsOverrides)) ?? running
    }

    /// Where each file resolves to, its size and modification time: the config file, the routing file and every
    /// file under the sensors path. Symbolic links are followed, so a Kubernetes ConfigMap update (which swaps the
    /// `..data` link the mounted files point through) is seen.
    private func currentFingerprint(of configuration: GatewayConfiguration) -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        func add(_ path: String) {
            let resolved = (path as NSString).resolvingSymlinksInPath
            guard let attributes = try? manager.attributesOfItem(atPath: resolved) else { return }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[path] = "\(resolved):\(size)@\(modified)"
        }
        add(configuration.routing)
        add(configurationPath)
        guard let sensorsPath = configuration.sensors else { return result }
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: sensorsPath, isDirectory: &isDirectory), isDirectory.boolValue {
            for name in (try? manager.subpathsOfDirectory(atPath: sensorsPath)) ?? [] {
                add((sensorsPath as NSString).appendingPathComponent(name))
            }
        } else {
            add(sensorsPath)
        }
        return result
    }

    /// The keys that differ from the running configuration and take effect only on restart.
    private func changedRestartKeys(_ new: GatewayConfiguration) -> [String] {
        var keys: [String] = []
        if new.nats.urls != running.nats.urls { keys.append("nats.urls") }
        if new.nats.stream != running.nats.stream { keys.append("nats.stream") }
        if new.nats.subjectPrefix != running.nats.subjectPrefix { keys.append("nats.subjectPrefix") }
        if new.nats.dlqSubject != running.nats.dlqSubject { keys.append("nats.dlqSubject") }
        if new.kubernetesSensors?.namespaces != running.kubernetesSensors?.namespaces
            || new.kubernetesSensors?.selector != running.kubernetesSensors?.selector
        {
            keys.append("sensors.kubernetes")
        }
        if new.adminHost != running.adminHost || new.adminPort != running.adminPort { keys.append("admin.listen") }
        if new.outbox != running.outbox { keys.append("outbox") }
        return keys
    }
}
