public import EventModel
public import Foundation
public import SensorKit
public import Triggers

/// A ``TriggerDispatching`` that executes nothing: it writes each fired trigger, with its events and the request
/// SensorKit resolves for it, as a JSON file in a directory (the embedded default on a laptop, and the sink of the
/// tests).
///
/// The file is `<sensor>.<trigger>.<firing id>.json`; the firing id is deterministic, so a redelivered firing finds
/// its file and reports ``TriggerOutcome/alreadyDone(detail:)`` instead of writing a second one.
public struct OutboxDispatcher: TriggerDispatching {
    /// The outbox directory.
    public let directory: URL

    /// Writes into `directory` (created when missing).
    public init(directory: URL) {
        self.directory = directory
    }

    /// Resolves the trigger's request and writes the record.
    /// - Returns: `succeeded` with the file name, `alreadyDone` when the file exists, `permanent` when a parameter
    ///   cannot be resolved, `retryable` when the file cannot be written.
    public func execute(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> TriggerOutcome {
        let firing = Firing.identifier(sensor: sensor.name, trigger: trigger.name, events: events)
        let name = "\(Self.fileComponent(sensor.name)).\(Self.fileComponent(trigger.name)).\(firing).json"
        let file = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: file.path) { return .alreadyDone(detail: name) }
        let action: TriggerAction
        do {
            action = try trigger.action(events: events, sensor: sensor)
        } catch {
            return .permanent(reason: "parameters: \(error.description)")
        }
        var eventMap = EventMap()
        for dependency in events.keys.sorted() {
            guard let event = events[dependency] else { continue }
            eventMap[dependency] =
                (try? JSONCodec.decode(CloudEventCodec.encodeStructured(event, format: .json))) ?? .string(event.id)
        }
        let record: EventValue = .map([
            "sensor": .string(sensor.name), "trigger": .string(trigger.name), "firing": .string(firing),
            "events": .map(eventMap), "request": action.json,
        ])
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(JSONCodec.encode(record) + [UInt8(ascii: "\n")]).write(to: file, options: .atomic)
        } catch {
            return .retryable(reason: "cannot write \(file.path): \(error.localizedDescription)", after: nil)
        }
        return .succeeded(detail: name)
    }

    /// A name safe in a file name: `/` and NUL replaced.
    private static func fileComponent(_ name: String) -> String {
        String(name.map { $0 == "/" || $0 == "\u{0}" ? "_" : $0 })
    }
}
