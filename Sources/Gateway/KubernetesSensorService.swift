import EventModel
import Foundation
public import Kubernetes
public import Logging
import SensorModel
public import ServiceLifecycle

/// Runs the Sensor objects (`sensors.argoproj.io/v1alpha1`) of `sensors.kubernetes` beside the file sensors, and
/// writes what became of each into its status.
///
/// For each configured namespace (or once across all namespaces) it lists the Sensors matching the selector, then
/// watches them from the list's `resourceVersion`, resuming from the last version seen; an expired version (410) lists
/// again, other failures are retried with a growing delay. Each object is loaded as a sensor file would be, named
/// `kubernetes:<namespace>/<name>`, in its own namespace. Changes are gathered for ``debounce`` and applied together
/// through the ``SensorComposer``, so a list of a thousand Sensors is one apply.
///
/// After each apply, the `Deployed` condition (``SensorDeployment``) and `observedGeneration` of every object are
/// merge-patched into its status subresource when they differ from what the object's status already says, so
/// replicas that reach the same verdict stop writing once one of them has.
public struct KubernetesSensorService: Service {
    private let source: KubernetesSensorSource
    private let client: KubernetesClient
    private let composer: SensorComposer
    private let writesStatus: Bool
    private let debounce: Duration
    private let logger: Logger

    /// Creates the service.
    /// - Parameters:
    ///   - source: the namespaces and selector (`sensors.kubernetes`).
    ///   - client: the Kubernetes API.
    ///   - composer: where the Sensors go, beside the file sensors.
    ///   - writesStatus: write each Sensor's status (not in a dry run, which sends nothing).
    ///   - debounce: how long changes are gathered before they are applied.
    ///   - logger: the logger.
    public init(
        source: KubernetesSensorSource, client: KubernetesClient, composer: SensorComposer, writesStatus: Bool = true,
        debounce: Duration = .milliseconds(200), logger: Logger
    ) {
        self.source = source
        self.client = client
        self.composer = composer
        self.writesStatus = writesStatus
        self.debounce = debounce
        self.logger = logger
    }

    /// Watches, applies and writes statuses until graceful shutdown.
    public func run() async {
        let objects = KubernetesSensorObjects()
        let scopes: [String?] = source.namespaces.isEmpty ? [nil] : source.namespaces
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for namespace in scopes {
                    group.addTask { await follow(namespace: namespace, into: objects) }
                }
                group.addTask { await applyChanges(of: objects) }
                if writesStatus {
                    group.addTask { await writeStatuses(of: objects) }
                }
            }
        }
    }

    // MARK: Watching

    /// Lists then watches the Sensors of `namespace` (all when `nil`) into `objects` until cancelled.
    private func follow(namespace: String?, into objects: KubernetesSensorObjects) async {
        let type = KubernetesSensorSource.resource
        let scope = namespace ?? "all namespaces"
        var resourceVersion: String?
        var failures = 0
        while !Task.isCancelled {
            do {
                let version: String
                if let resourceVersion {
                    version = resourceVersion
                } else {
                    let list = try await client.list(type, namespace: namespace, labelSelector: source.selector)
                    objects.replace(namespace: namespace, with: list.items)
                    version = list.resourceVersion
                    resourceVersion = version
                    logger.debug("listed Sensors", metadata: ["namespace": "\(scope)", "count": "\(list.items.count)"])
                }
                let events = client.watch(
                    type, namespace: namespace, labelSelector: source.selector, resourceVersion: version)
                for try await event in events {
                    switch event.kind {
                    case .added, .modified: objects.put(event.object)
                    case .deleted: objects.remove(event.object)
                    case .bookmark: break
                    }
                    resourceVersion = event.resourceVersion ?? resourceVersion
                    failures = 0
                }
            } catch let error as KubernetesError where error.kind == .gone {
                logger.info(
                    "the Sensor watch fell behind the server's history: listing again",
                    metadata: ["namespace": "\(scope)"])
                resourceVersion = nil
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let delay = Self.retryDelay(after: failures)
                logger.warning(
                    "cannot read Sensors; retrying",
                    metadata: ["namespace": "\(scope)", "error": "\(error)", "retryIn": "\(delay)"])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return
                }
            }
        }
    }

    /// 0.5 s, doubling with each failure in a row, at most 30 s.
    static func retryDelay(after failures: Int) -> Duration {
        .milliseconds(min(30_000, 500 << min(failures - 1, 6)))
    }

    // MARK: Applying

    /// Loads and applies the Sensors each time their definitions change, at most once per ``debounce``.
    private func applyChanges(of objects: KubernetesSensorObjects) async {
        var applied = 0
        var loaded: [String: (definition: String, catalog: SensorCatalog)] = [:]
        for await _ in objects.definitionChanges {
            do {
                try await Task.sleep(for: debounce)
            } catch {
                return
            }
            let (current, version) = objects.snapshot()
            guard version != applied else { continue }
            applied = version
            var changed: Set<String> = []
            var catalogs: [String: SensorCatalog] = [:]
            for object in current {
                if let cached = loaded[object.file], cached.definition == object.definition {
                    catalogs[object.file] = cached.catalog
                } else {
                    let catalog = SensorLoader.load(text: object.definition, file: object.file)
                    loaded[object.file] = (object.definition, catalog)
                    catalogs[object.file] = catalog
                    changed.insert(object.file)
                }
            }
            loaded = loaded.filter { catalogs[$0.key] != nil }
            var union = SensorCatalog()
            for object in current { catalogs[object.file].map { union.merge($0) } }
            let outcome = await composer.replaceKubernetesSensors(union)
            SensorSet.log(rejected: outcome.set.rejected.filter { changed.contains($0.file) }, to: logger)
            logger.info(
                "applied the Kubernetes Sensors",
                metadata: [
                    "sensors": "\(current.count)", "changed": "\(changed.count)",
                    "rejected":
                        "\(outcome.set.rejected.count { $0.file.hasPrefix(KubernetesSensorObjects.filePrefix) })",
                ])
            var verdicts: [String: SensorDeployment] = [:]
            for object in current {
                verdicts[object.file] = SensorDeployment(
                    on: object, loaded: catalogs[object.file] ?? SensorCatalog(), outcome: outcome)
            }
            objects.setVerdicts(verdicts)
        }
    }

    // MARK: Status

    /// Writes each verdict into its object's status when the status says otherwise; failed writes are retried.
    private func writeStatuses(of objects: KubernetesSensorObjects) async {
        var failures = 0
        for await _ in objects.statusChanges {
            var failed = false
            let now = Date().formatted(.iso8601)
            // A verdict on an older generation waits for the apply of the new one.
            for (object, verdict) in objects.verdicts() where verdict.generation == object.generation {
                guard let patch = verdict.statusPatch(over: object.status, now: now) else { continue }
                do {
                    _ = try await client.patchStatus(
                        KubernetesSensorSource.resource, namespace: object.namespace, name: object.name, patch: patch)
                    logger.debug(
                        "wrote the status of a Sensor",
                        metadata: [
                            "sensor": "\(object.namespace)/\(object.name)", "reason": "\(verdict.reason.rawValue)",
                        ])
                } catch  where error.kind == .notFound {
                    // Deleted meanwhile.
                } catch {
                    failed = true
                    logger.warning(
                        "cannot write the status of a Sensor",
                        metadata: ["sensor": "\(object.namespace)/\(object.name)", "error": "\(error)"])
                }
            }
            guard failed else {
                failures = 0
                continue
            }
            failures += 1
            do {
                try await Task.sleep(for: Self.retryDelay(after: failures))
            } catch {
                return
            }
            objects.retryStatuses()
        }
    }
}
