public import ConfigReader
public import EventModel
import Foundation
public import SensorEngine
public import SensorModel

/// The repository's root directory, for tests that read its shipped files (config/, specs/, deploy/).
public enum Repository {
    /// The absolute path.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}

/// Parses JSON (or YAML) text into an event value, for test inputs.
public func json(_ text: String) -> EventValue {
    do {
        let documents = try YAMLTree.documents(of: text, file: "test.json")
        return documents.first?.eventValue ?? .null
    } catch {
        preconditionFailure("bad test JSON \(text): \(error)")
    }
}

/// An event as Argo Events' webhook source would publish it.
public func makeEvent(
    data: EventValue? = nil, source: String = "webhook-gateway", subject: String = "example-1",
    type: String = "webhook",
    time: String = "2024-07-15T16:36:34Z", id: String = "1", contentType: String = "application/json"
) -> Event {
    Event(
        id: id, source: source, type: type, subject: subject, time: EventTimestamp(rfc3339: time),
        dataContentType: contentType,
        data: data)
}

/// A one-dependency sensor around a `filters` value and a `transform` value written in flow (JSON) style; either may
/// be left out.
public func sensorText(filters: String?, filtersLogicalOperator: String = "", transform: String? = nil) -> String {
    var dependency = """
            - name: dep
              eventSourceName: webhook-gateway
              eventName: example-1
              filtersLogicalOperator: "\(filtersLogicalOperator)"

        """
    if let filters { dependency += "      filters: \(filters)\n" }
    if let transform { dependency += "      transform: \(transform)\n" }
    return """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata:
          name: test
        spec:
          dependencies:
        \(dependency)  triggers:
            - template:
                name: t
                log: {}
        """
}

/// Loads a sensor from text; `nil` (and the findings) when it does not load.
public func loadSensor(_ text: String) -> (Sensor?, [Finding]) {
    let catalog = SensorLoader.load(text: text, file: "test.yaml")
    return (catalog.sensors.first, catalog.findings)
}

/// The filters of the single dependency of a sensor built by ``sensorText(filters:filtersLogicalOperator:transform:)``.
public func loadFilters(_ filters: String, operation: String = "") throws -> (DependencyFilters, LogicalOperator) {
    let (sensor, findings) = loadSensor(sensorText(filters: filters, filtersLogicalOperator: operation))
    guard let dependency = sensor?.dependencies.first, let loaded = dependency.filters else {
        throw TestFailure("sensor did not load: \(findings.map(\.description))")
    }
    return (loaded, dependency.filtersLogicalOperator)
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A clock that says what the test sets.
public final class TestClock: SensorClock, @unchecked Sendable {
    // `@unchecked Sendable` proof: `now` is read and written only under `lock`.
    private let lock = NSLock()
    private var current: EventTimestamp

    public init(_ rfc3339: String) {
        current = EventTimestamp(rfc3339: rfc3339) ?? EventTimestamp(seconds: 0)
    }

    public var now: EventTimestamp {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func set(_ rfc3339: String) {
        lock.lock()
        defer { lock.unlock() }
        current = EventTimestamp(rfc3339: rfc3339) ?? current
    }
}
