public import EventModel
public import ConfigReader
public import SensorLanguage
public import SensorModel

/// What makes one firing of a trigger unique: the sensor, the trigger, and the ids of the events it fired with.
/// A redelivered event gives the same identity, hence the same workflow name and run display name, so the
/// server (409) or a look-up finds the earlier submission instead of starting a second one.
public struct FiringIdentity: Sendable, Hashable {
    /// The sensor's name.
    public var sensor: String
    /// The trigger's name.
    public var trigger: String
    /// The event id per dependency name.
    public var eventIDs: [String: String]

    /// The label holding ``hash`` on everything created, so a 409 can be confirmed as this firing's.
    public static let firingLabel = "sensor-gateway.io/firing"
    /// The label holding the event id, when the firing has exactly one event whose id is a valid label value.
    public static let eventIDLabel = "sensor-gateway.io/event-id"

    /// Creates an identity from event ids.
    public init(sensor: String, trigger: String, eventIDs: [String: String]) {
        self.sensor = sensor
        self.trigger = trigger
        self.eventIDs = eventIDs
    }

    /// Creates an identity from the events a trigger fired with, by dependency name.
    public init(sensor: String, trigger: String, events: [String: Event]) {
        self.init(sensor: sensor, trigger: trigger, eventIDs: events.mapValues(\.id))
    }

    /// 16 lower-case hex digits: FNV-1a (64 bits) over sensor, trigger and the sorted `dependency=id` pairs,
    /// separated by NUL bytes. Stable across processes and releases.
    public var hash: String {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        func feed(_ text: String) {
            for byte in text.utf8 {
                state ^= UInt64(byte)
                state = state &* 0x0000_0100_0000_01B3
            }
            // A NUL separator byte: XOR with zero leaves the state, the multiplication remains.
            state = state &* 0x0000_0100_0000_01B3
        }
        feed(sensor)
        feed(trigger)
        for (dependency, id) in eventIDs.sorted(by: { $0.key < $1.key }) { feed("\(dependency)=\(id)") }
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A DNS-1123 label of at most 63 characters: `prefix` (lower-cased, other characters turned into `-`,
    /// shortened to 46) or `<sensor>-<trigger>`, then `-` and ``hash``.
    /// - Parameter prefix: e.g. the resource's `metadata.name` or `generateName`; `nil` or empty uses the sensor
    ///   and trigger names.
    public func name(prefix: String? = nil) -> String {
        let base = Self.dnsLabel(prefix.flatMap { $0.isEmpty ? nil : $0 } ?? "\(sensor)-\(trigger)", limit: 46)
        return (base.isEmpty ? "sg" : base) + "-" + hash
    }

    /// Labels for what the firing creates: sensor and trigger (as Argo Events sets them, when they are valid label
    /// values), ``firingLabel``, and ``eventIDLabel`` for a single event.
    public var labels: [(key: String, value: String)] {
        var labels: [(key: String, value: String)] = []
        if Self.isLabelValue(sensor) { labels.append(("events.argoproj.io/sensor", sensor)) }
        if Self.isLabelValue(trigger) { labels.append(("events.argoproj.io/trigger", trigger)) }
        labels.append((Self.firingLabel, hash))
        if eventIDs.count == 1, let id = eventIDs.values.first, Self.isLabelValue(id) {
            labels.append((Self.eventIDLabel, id))
        }
        return labels
    }

    /// Lower-cases, maps characters outside `[a-z0-9-]` to `-`, collapses runs of `-`, trims `-` at both ends and
    /// shortens to `limit`.
    package static func dnsLabel(_ text: String, limit: Int) -> String {
        var out = ""
        for scalar in text.lowercased().unicodeScalars {
            let keep = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if keep {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty && !out.hasSuffix("-") {
                out += "-"
            }
        }
        var trimmed = Substring(out.prefix(limit))
        while trimmed.hasSuffix("-") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    /// A Kubernetes label value: at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends.
    package static func isLabelValue(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 63 else { return false }
        let alnum: (Unicode.Scalar) -> Bool = {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last, alnum(first), alnum(last) else { return false }
        return scalars.allSatisfy { alnum($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }
}
