public import EventModel

/// What makes one firing of a trigger unique: the sensor, the trigger, and the event each dependency fired with,
/// known by its CloudEvents `source` and `id` (which together identify an event).
///
/// Its ``id`` is the one name of the firing everywhere: the correlator's record (``Firing/id``), the `firing`
/// field of every log line about the trigger, workflow and run names, the ``firingLabel`` label, outbox file names
/// and dead-letter headers. A redelivered event gives the same identity, hence the same names, so the server (409)
/// or a look-up finds the earlier submission instead of starting a second one.
public struct FiringIdentity: Sendable, Hashable {
    /// An event as the identity knows it.
    public struct EventKey: Sendable, Hashable {
        /// The CloudEvents `source`.
        public var source: String
        /// The CloudEvents `id`.
        public var id: String

        /// Creates a key.
        public init(source: String, id: String) {
            self.source = source
            self.id = id
        }
    }

    /// How many hex digits of the SHA-256 digest ``id`` keeps: 80 bits, so names stay short enough for a
    /// Kubernetes name with a readable prefix, while two firings of one trigger sharing an id stays negligible
    /// (about one in 10^12 after a billion firings).
    public static let idDigits = 20

    /// The label holding ``id`` on everything created, so a 409 can be confirmed as this firing's.
    public static let firingLabel = "sensor-gateway.io/firing"
    /// The label holding the event id, when the firing has exactly one event whose id is a valid label value.
    public static let eventIDLabel = "sensor-gateway.io/event-id"

    /// The sensor's name.
    public let sensor: String
    /// The trigger's name.
    public let trigger: String
    /// The event per dependency name.
    public let events: [String: EventKey]
    /// ``idDigits`` lower-case hex digits of SHA-256 over the sensor, the trigger and, by dependency name, each
    /// dependency's event source and id. Stable across processes and releases.
    public let id: String

    /// Creates an identity from the events a trigger fired with, by dependency name.
    public init(sensor: String, trigger: String, events: [String: Event]) {
        self.init(
            sensor: sensor, trigger: trigger, keys: events.mapValues { EventKey(source: $0.source, id: $0.id) })
    }

    /// Creates an identity from event keys, by dependency name.
    public init(sensor: String, trigger: String, keys: [String: EventKey]) {
        self.sensor = sensor
        self.trigger = trigger
        self.events = keys
        var digest = StableDigest()
        digest.add("sensor-gateway.io/firing/v1")
        digest.add(sensor)
        digest.add(trigger)
        // By dependency name; a single event (the usual firing) needs no sorted copy.
        if keys.count == 1, let (dependency, key) = keys.first {
            Self.add(dependency, key, to: &digest)
        } else {
            for (dependency, key) in keys.sorted(by: { $0.key < $1.key }) { Self.add(dependency, key, to: &digest) }
        }
        id = digest.hex(digits: Self.idDigits)
    }

    private static func add(_ dependency: String, _ key: EventKey, to digest: inout StableDigest) {
        digest.add(dependency)
        digest.add(key.source)
        digest.add(key.id)
    }

    /// The event id per dependency name.
    public var eventIDs: [String: String] { events.mapValues(\.id) }

    /// A DNS-1123 label of at most 63 characters: `prefix` (lower-cased, other characters turned into `-`,
    /// shortened to 42) or `<sensor>-<trigger>`, then `-` and ``id``.
    /// - Parameter prefix: e.g. the resource's `metadata.name` or `generateName`; `nil` or empty uses the sensor
    ///   and trigger names.
    public func name(prefix: String? = nil) -> String {
        let limit = 62 - Self.idDigits
        let base = Self.dnsLabel(prefix.flatMap { $0.isEmpty ? nil : $0 } ?? "\(sensor)-\(trigger)", limit: limit)
        return (base.isEmpty ? "sg" : base) + "-" + id
    }

    /// Labels for what the firing creates: sensor and trigger (as Argo Events sets them, when they are valid label
    /// values), ``firingLabel``, and ``eventIDLabel`` for a single event.
    public var labels: [(key: String, value: String)] {
        var labels: [(key: String, value: String)] = []
        if Self.isLabelValue(sensor) { labels.append(("events.argoproj.io/sensor", sensor)) }
        if Self.isLabelValue(trigger) { labels.append(("events.argoproj.io/trigger", trigger)) }
        labels.append((Self.firingLabel, id))
        if events.count == 1, let event = events.values.first, Self.isLabelValue(event.id) {
            labels.append((Self.eventIDLabel, event.id))
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
