import Synchronization

/// `events_received_total{sensor,dependency}` and `events_filtered_total{sensor,dependency,reason}` of every sensor
/// dependency, kept beside the Prometheus registry and rendered as it renders counters.
///
/// The registry copies a metric family's series each time it adds one, so registering these (three per dependency)
/// there costs time quadratic in the dependencies; a table adds each in constant time.
final class DependencyCounterTable: Sendable {
    /// One counter.
    final class Count: Sendable {
        private let value = Atomic<Int64>(0)

        func add(_ amount: Int64) { value.wrappingAdd(amount, ordering: .relaxed) }

        var current: Int64 { value.load(ordering: .relaxed) }
    }

    /// The counters of one dependency.
    struct Counts: Sendable {
        let sensor: String
        let dependency: String
        let received = Count()
        let filtered = Count()
        let filterErrors = Count()
    }

    private struct Key: Hashable {
        let sensor: String
        let dependency: String
    }

    /// The dependencies in the order they were first counted, and where each is.
    private let table = Mutex<(counts: [Counts], positions: [Key: Int])>(([], [:]))

    static let receivedName = "sensor_gateway_events_received_total"
    static let filteredName = "sensor_gateway_events_filtered_total"

    /// The counters of `dependency` of `sensor`, made at the first call.
    func counts(sensor: String, dependency: String) -> Counts {
        let key = Key(sensor: sensor, dependency: dependency)
        return table.withLock { table in
            if let position = table.positions[key] { return table.counts[position] }
            let counts = Counts(sensor: sensor, dependency: dependency)
            table.positions[key] = table.counts.count
            table.counts.append(counts)
            return counts
        }
    }

    /// Appends both families in the text exposition format (nothing before the first dependency is counted).
    func render(into text: inout String) {
        let counts = table.withLock { $0.counts }
        guard !counts.isEmpty else { return }
        text += "# HELP \(Self.receivedName) Events routed to a sensor dependency.\n"
        text += "# TYPE \(Self.receivedName) counter\n"
        for entry in counts {
            text += "\(Self.receivedName){\(Self.labels(entry))} \(entry.received.current)\n"
        }
        text += "# HELP \(Self.filteredName) Events rejected by a dependency's filters.\n"
        text += "# TYPE \(Self.filteredName) counter\n"
        for entry in counts {
            let labels = Self.labels(entry)
            text += "\(Self.filteredName){\(labels),reason=\"filter\"} \(entry.filtered.current)\n"
            text += "\(Self.filteredName){\(labels),reason=\"error\"} \(entry.filterErrors.current)\n"
        }
    }

    private static func labels(_ entry: Counts) -> String {
        "sensor=\"\(escaped(entry.sensor))\",dependency=\"\(escaped(entry.dependency))\""
    }

    /// A label value as the exposition format writes it: backslash, double quote and line feed escaped.
    private static func escaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 0x0A })
        else { return value }
        var result = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
