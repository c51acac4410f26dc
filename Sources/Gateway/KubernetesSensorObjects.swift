import EventModel
import Synchronization

/// The Sensor objects the watches of ``KubernetesSensorService`` last saw, by `namespace/name`, with the verdict the
/// last apply reached on each; it signals the applier when what a sensor is loaded from changes, and the status
/// writer on every change.
final class KubernetesSensorObjects: Sendable {
    /// The file name a Kubernetes Sensor is loaded under (and named by in findings and `/status`):
    /// `kubernetes:<namespace>/<name>`.
    static let filePrefix = "kubernetes:"

    /// One Sensor object as last seen.
    struct Object: Sendable {
        var namespace: String
        var name: String
        /// `metadata.generation` (0 when absent).
        var generation: Int64
        /// The object without `status` and the metadata the server keeps changing: what the sensor is loaded from.
        var definition: String
        /// `status`, as last seen.
        var status: EventValue?

        /// `kubernetes:<namespace>/<name>`.
        var file: String { KubernetesSensorObjects.filePrefix + "\(namespace)/\(name)" }
    }

    fileprivate struct Contents {
        var objects: [String: Object] = [:]
        /// Bumped whenever a definition is added, changed or removed.
        var definitionsVersion = 0
        var verdicts: [String: SensorDeployment] = [:]
    }

    private let contents = Mutex(Contents())
    /// Signalled when a definition changes.
    let definitionChanges: AsyncStream<Void>
    private let definitionSignal: AsyncStream<Void>.Continuation
    /// Signalled when anything changes (a status too) and when verdicts are set.
    let statusChanges: AsyncStream<Void>
    private let statusSignal: AsyncStream<Void>.Continuation

    init() {
        (definitionChanges, definitionSignal) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        (statusChanges, statusSignal) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Records an added or modified object.
    func put(_ value: EventValue) {
        guard let object = Self.object(value) else { return }
        update { contents in contents.store(object) }
    }

    /// Forgets a deleted object.
    func remove(_ value: EventValue) {
        guard let object = Self.object(value) else { return }
        update { contents in contents.remove(key: "\(object.namespace)/\(object.name)") }
    }

    /// Replaces the objects of `namespace` (of every namespace when `nil`) with those of a list.
    func replace(namespace: String?, with items: [EventValue]) {
        let listed = items.compactMap(Self.object)
        update { contents in
            var changed = false
            let listedKeys = Set(listed.map { "\($0.namespace)/\($0.name)" })
            for (key, object) in contents.objects
            where (namespace == nil || object.namespace == namespace) && !listedKeys.contains(key) {
                changed = contents.remove(key: key) || changed
            }
            for object in listed { changed = contents.store(object) || changed }
            return changed
        }
    }

    /// The objects and the version of their definitions.
    func snapshot() -> (objects: [Object], definitionsVersion: Int) {
        contents.withLock { contents in
            (contents.objects.values.sorted { $0.file < $1.file }, contents.definitionsVersion)
        }
    }

    /// Sets the verdicts of the last apply, by file, and wakes the status writer.
    func setVerdicts(_ verdicts: [String: SensorDeployment]) {
        contents.withLock { $0.verdicts = verdicts }
        statusSignal.yield()
    }

    /// Each object with the verdict on it, when there is one.
    func verdicts() -> [(Object, SensorDeployment)] {
        contents.withLock { contents in
            contents.objects.values.sorted { $0.file < $1.file }.compactMap { object in
                contents.verdicts[object.file].map { (object, $0) }
            }
        }
    }

    /// Wakes the status writer (to retry failed writes).
    func retryStatuses() {
        statusSignal.yield()
    }

    /// Applies `change`; signals the applier when it reports a definition change, the status writer always.
    private func update(_ change: (inout Contents) -> Bool) {
        let definitionChanged = contents.withLock { contents in
            let changed = change(&contents)
            if changed { contents.definitionsVersion += 1 }
            return changed
        }
        if definitionChanged { definitionSignal.yield() }
        statusSignal.yield()
    }

    /// The object of a watch event or list item; `nil` without a namespace and name.
    private static func object(_ value: EventValue) -> Object? {
        guard case .map(var map) = value, case .map(var metadata)? = map["metadata"],
            let namespace = metadata["namespace"]?.stringValue, let name = metadata["name"]?.stringValue
        else { return nil }
        let generation: Int64 = if case .int(let number)? = metadata["generation"] { number } else { 0 }
        let status = map["status"]
        map["status"] = nil
        for key in ["resourceVersion", "managedFields", "generation"] { metadata[key] = nil }
        map["metadata"] = .map(metadata)
        return Object(
            namespace: namespace, name: name, generation: generation,
            definition: JSONCodec.encodeToString(.map(map)), status: status)
    }
}

extension KubernetesSensorObjects.Object {
    fileprivate var key: String { "\(namespace)/\(name)" }
}

extension KubernetesSensorObjects.Contents {
    /// Stores `object`; whether its definition is new or changed.
    @discardableResult
    fileprivate mutating func store(_ object: KubernetesSensorObjects.Object) -> Bool {
        let previous = objects.updateValue(object, forKey: object.key)
        return previous?.definition != object.definition
    }

    /// Forgets the object under `key`; whether there was one.
    @discardableResult
    fileprivate mutating func remove(key: String) -> Bool {
        objects.removeValue(forKey: key) != nil
    }
}
