import ConfigReader
public import JetStream
import LocalFiles
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

        init(sensor: Sensor, dependency: Dependency) {
            self.sensor = sensor
            self.dependency = dependency
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

    /// Maps `sensors` onto subjects.
    /// - Parameters:
    ///   - sensors: valid sensors.
    ///   - files: the files they came from.
    ///   - subjectPrefix: `nats.subjectPrefix`.
    public init(sensors: [Sensor], files: [String], subjectPrefix: String) {
        self.sensors = sensors
        self.files = files
        self.subjectPrefix = subjectPrefix
        var bindings: [String: [Binding]] = [:]
        for sensor in sensors {
            for dependency in sensor.dependencies {
                bindings[dependency.subject(prefix: subjectPrefix), default: []].append(
                    Binding(sensor: sensor, dependency: dependency))
            }
        }
        self.bindings = bindings
    }

    /// Loads every sensor under `path`.
    /// - Throws: ``SensorSetError`` listing every error finding when a sensor is invalid.
    public static func load(path: String, subjectPrefix: String) throws(SensorSetError) -> SensorSet {
        let catalog = SensorFiles.load(paths: [path])
        guard catalog.isValid else {
            throw SensorSetError(findings: catalog.findings.filter { $0.severity == .error }.map(\.description))
        }
        return SensorSet(sensors: catalog.sensors, files: catalog.files, subjectPrefix: subjectPrefix)
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
            spec.ackWait = .seconds(30)
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
