import ConfigReader
public import JetStream
import LocalFiles
public import Logging
import SensorEngine
public import SensorModel

/// The loaded sensors and how they map onto NATS: one durable pull consumer per distinct dependency subject, shared
/// by every dependency on it, so the server delivers each event once however many sensors watch it.
public struct SensorSet: Sendable {
    /// A dependency of a sensor, bound to the subject it consumes. A class: each event visits every binding of its
    /// subject, and a reference is cheaper to pass around than copies of the sensor and the dependency.
    public final class Binding: Sendable {
        /// The sensor.
        public let sensor: Sensor
        /// The dependency.
        public let dependency: Dependency
        /// The sensor's triggers whose conditions name the dependency, in the sensor's order.
        public let triggers: [Trigger]
        /// Whether every one of ``triggers`` correlates several dependencies: none fires on each event alone.
        public let correlatesOnly: Bool

        init(sensor: Sensor, dependency: Dependency) {
            self.sensor = sensor
            self.dependency = dependency
            triggers = sensor.triggers.filter { $0.dependencyNames.contains(dependency.name) }
            correlatesOnly = triggers.allSatisfy { !$0.firesOnEachEvent }
        }
    }

    /// The sensors, in load order.
    public let sensors: [Sensor]
    /// The files they came from.
    public let files: [String]
    /// The bindings of each subject.
    public let bindings: [String: [Binding]]
    /// `nats.subjectPrefix` the subjects were derived with.
    public let subjectPrefix: String
    /// The sensor documents rejected at the last load, with their findings.
    public let rejected: [RejectedSensor]

    /// Maps `sensors` onto subjects.
    /// - Parameters:
    ///   - sensors: valid sensors.
    ///   - files: the files they came from.
    ///   - subjectPrefix: `nats.subjectPrefix`.
    ///   - rejected: the documents rejected beside them.
    public init(sensors: [Sensor], files: [String], subjectPrefix: String, rejected: [RejectedSensor] = []) {
        self.sensors = sensors
        self.files = files
        self.subjectPrefix = subjectPrefix
        self.rejected = rejected
        var bindings: [String: [Binding]] = [:]
        for sensor in sensors {
            for dependency in sensor.dependencies {
                bindings[dependency.subject(prefix: subjectPrefix), default: []].append(
                    Binding(sensor: sensor, dependency: dependency))
            }
        }
        self.bindings = bindings
    }

    /// Loads every sensor under `path`: the valid ones, and the invalid documents as ``rejected``.
    /// - Parameters:
    ///   - path: a file or directory; `nil`: no sensor files (an empty set).
    ///   - strict: reject the whole set when any document is invalid.
    /// - Throws: ``SensorSetError`` listing every error finding when `path` cannot be listed, or, with `strict`, when
    ///   a document is invalid.
    public static func load(path: String?, subjectPrefix: String, strict: Bool = false) throws(SensorSetError)
        -> SensorSet
    {
        guard let path else { return SensorSet(sensors: [], files: [], subjectPrefix: subjectPrefix) }
        let catalog = SensorFiles.load(paths: [path])
        let errors = catalog.findings.filter { $0.severity == .error }
        let rejectedErrors = catalog.rejected.reduce(0) { $0 + $1.findings.count { $0.severity == .error } }
        guard errors.isEmpty || (!strict && errors.count == rejectedErrors) else {
            throw SensorSetError(findings: errors.map(\.description))
        }
        return SensorSet(
            sensors: catalog.sensors, files: catalog.files, subjectPrefix: subjectPrefix, rejected: catalog.rejected)
    }

    /// This set, plus the sensors of `running` whose new version is rejected, as `kubectl apply` of an invalid
    /// Sensor leaves the old object running: a rejected document with a name keeps the running sensor of that name;
    /// a file that cannot be read or parsed keeps the running sensors of that file. A sensor the set defines anew
    /// is never replaced.
    /// - Returns: the merged set, and the names of the sensors kept from `running`.
    public func keepingRejected(from running: SensorSet) -> (set: SensorSet, kept: [String]) {
        func key(_ namespace: String?, _ name: String) -> String { "\(namespace ?? "")/\(name)" }
        let defined = Set(sensors.map { key($0.namespace, $0.name) })
        let rejectedNames = Set(rejected.compactMap { entry in entry.name.map { key(entry.namespace, $0) } })
        let rejectedFiles = Set(rejected.filter { $0.name == nil }.map(\.file))
        let kept = running.sensors.filter { sensor in
            let name = key(sensor.namespace, sensor.name)
            return !defined.contains(name)
                && (rejectedNames.contains(name) || rejectedFiles.contains(sensor.location.file))
        }
        guard !kept.isEmpty else { return (self, []) }
        let set = SensorSet(
            sensors: sensors + kept, files: files, subjectPrefix: subjectPrefix, rejected: rejected)
        return (set, kept.map(\.name))
    }

    /// Logs each rejected document as a warning with its file and findings.
    public func logRejected(to logger: Logger) {
        Self.log(rejected: rejected, to: logger)
    }

    /// Logs each of `rejected` as a warning with its file and findings.
    public static func log(rejected: [RejectedSensor], to logger: Logger) {
        for entry in rejected {
            logger.warning(
                "sensor rejected; the valid sensors run without it",
                metadata: [
                    "file": "\(entry.file)", "sensor": "\(entry.name ?? "")",
                    "findings": "\(entry.findings.map(\.description).joined(separator: "\n"))",
                ])
        }
    }

    /// The subjects to consume, sorted.
    public var subjects: [String] { bindings.keys.sorted() }

    /// The durable consumer name of `subject`: `sg-`, the subject with every character outside `[A-Za-z0-9_-]`
    /// made `_` (at most 40 of them), `-`, and 8 hex digits of a hash of the whole subject, so distinct subjects
    /// never share a name and every process derives the same one.
    public static func durableName(subject: String) -> String {
        let readable = String(
            subject.unicodeScalars.prefix(40).map { scalar -> Character in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "-", "_": Character(scalar)
                default: "_"
                }
            })
        var hash: UInt32 = 0x811c_9dc5
        for byte in subject.utf8 {
            hash ^= UInt32(byte)
            hash &*= 0x0100_0193
        }
        let digits = String(hash, radix: 16)
        return "sg-\(readable)-" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// How long the server waits for an ack of a first delivery: with a `backoff`, its first value (nats-server sets
    /// `ack_wait` to it), else `ack_wait`, else the server's default of 30 s.
    public static func effectiveAckWait(of template: ConsumerSpec?) -> Duration {
        template?.backoff?.first ?? template?.ackWait ?? .seconds(30)
    }

    /// The consumer of `subject`: the template's settings (ack wait, max deliver, backoff, limits) with the
    /// derived durable name, the subject as filter, explicit acks and `deliver_policy: new` (a new sensor does not
    /// replay the stream's history).
    public static func consumerSpec(subject: String, stream: String, template: ConsumerSpec?) -> ConsumerSpec {
        var spec = template ?? ConsumerSpec(stream: stream, durableName: "")
        spec.stream = stream
        spec.durableName = durableName(subject: subject)
        spec.description = "sensor-gateway: events on \(subject)"
        spec.filterSubject = subject
        spec.deliverPolicy = .new
        spec.startSequence = nil
        spec.ackPolicy = .explicit
        if template == nil {
            spec.ackWait = .seconds(120)
            spec.maxDeliver = 5
            spec.maxAckPending = 4096
        }
        return spec
    }
}

/// Sensors that failed validation.
public struct SensorSetError: Error, Sendable, CustomStringConvertible {
    /// Each error as `path:line:col: error: message`.
    public let findings: [String]

    /// The findings, one per line.
    public var description: String { findings.joined(separator: "\n") }
}
