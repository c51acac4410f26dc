import ConfigReader
import EventModel
import Foundation
import SensorEngine
import SensorLanguage
import SensorModel
import Synchronization
import Triggers

/// A clock that never waits: `sleep` records the duration and moves time forward at once.
final class ManualClock: TriggerClock {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))

    func now() -> Duration { state.withLock { $0.now } }

    func sleep(for duration: Duration) async throws {
        state.withLock {
            $0.now += duration
            $0.sleeps.append(duration)
        }
    }

    /// Moves time forward without a sleep.
    func advance(_ duration: Duration) { state.withLock { $0.now += duration } }

    /// Every sleep so far.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }
}

/// Lines the `log` trigger wrote.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A publisher that records what it is given.
final class RecordingPublisher: TriggerPublisher {
    private let messages = Mutex<[(subject: String, payload: String, messageID: String)]>([])

    func publish(subject: String, payload: [UInt8], messageID: String) async throws {
        messages.withLock { $0.append((subject, String(decoding: payload, as: UTF8.self), messageID)) }
    }

    var all: [(subject: String, payload: String, messageID: String)] { messages.withLock { $0 } }
}

/// Loads the one sensor of `text`, or fails with its findings.
func sensor(_ text: String) throws -> Sensor {
    let catalog = SensorLoader.load(text: text, file: "test.yaml")
    guard let sensor = catalog.sensors.first else {
        throw TestError("sensor did not load: \(catalog.findings.map(\.description))")
    }
    return sensor
}

/// A sensor named `sensor` with one dependency `dep` and one trigger from `trigger` (YAML indented by 4 under
/// `triggers:`).
func sensorYAML(_ trigger: String, name: String = "orders") -> String {
    """
    apiVersion: argoproj.io/v1alpha1
    kind: Sensor
    metadata:
      name: \(name)
    spec:
      dependencies:
        - name: dep
          eventSourceName: shop
          eventName: order
      triggers:

    """ + trigger
}

/// An event for dependency `dep`.
func event(id: String = "evt-1", data: EventValue = ["message": "hello", "count": 3]) -> [String: Event] {
    [
        "dep": Event(
            id: id, source: "shop", type: "order", subject: "order", dataContentType: "application/json", data: data)
    ]
}

/// A temporary directory, removed by the caller.
func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sg-triggers-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
