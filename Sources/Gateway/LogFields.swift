import Logging

/// The fields of a message's log lines (its subject, stream sequence and deliveries, then its event, sensor,
/// dependency, trigger and firing as they become known), kept as strings and set on the logger only when a line is to
/// be written: set key by key on a `Logger`, a firing's dozen fields copy its metadata at each step, on every firing.
struct LogFields: Sendable {
    private let base: Logger
    private var fields: [(key: String, value: String)] = []

    /// No fields yet, on `base`.
    init(_ base: Logger) {
        self.base = base
        fields.reserveCapacity(12)
    }

    /// Adds `value` under `key` (replacing an earlier value of it in the logger).
    mutating func add(_ key: String, _ value: String) {
        fields.append((key, value))
    }

    /// A copy with `value` under `key`.
    func adding(_ key: String, _ value: String) -> LogFields {
        var copy = self
        copy.add(key, value)
        return copy
    }

    /// The value last added under `key`.
    subscript(key: String) -> String? {
        fields.last { $0.key == key }?.value
    }

    /// The logger with every field.
    var logger: Logger {
        base.setting(fields)
    }
}
