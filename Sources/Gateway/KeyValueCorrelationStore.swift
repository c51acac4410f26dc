import EventModel
public import JetStream
public import SensorEngine
import SensorModel

/// A ``CorrelationStore`` in a JetStream key-value bucket (`sensor-gateway-correlations`): one key per sensor and
/// trigger, `<sensor>.<trigger>`, its value the state in MessagePack; every write is a compare-and-set on the key's
/// revision, so replicas sharing the bucket never both fire a condition and a restart loses no held event.
public struct KeyValueCorrelationStore: CorrelationStore {
    private let bucket: KeyValueBucket

    /// Uses `bucket`.
    public init(bucket: KeyValueBucket) {
        self.bucket = bucket
    }

    /// The trigger's state and revision (revision 0 when the key has no value).
    /// - Throws: ``NATSError`` when the bucket cannot be read, ``CorrelationStateError`` when the value is corrupt.
    public func load(sensor: String, trigger: String) async throws -> StoredCorrelation {
        let key = Self.key(sensor: sensor, trigger: trigger)
        guard let entry = try await bucket.get(key), entry.operation == .put else {
            return StoredCorrelation(state: CorrelationState(), revision: 0)
        }
        return StoredCorrelation(
            state: try CorrelationStateCodec.decode(entry.value, key: key), revision: entry.revision)
    }

    /// Writes `state` if the key is still at `expectedRevision` (0: the key has no value).
    /// - Throws: ``CorrelationConflict`` when another write came first, ``NATSError`` otherwise.
    public func save(_ state: CorrelationState, sensor: String, trigger: String, expectedRevision: UInt64)
        async throws -> UInt64
    {
        let key = Self.key(sensor: sensor, trigger: trigger)
        let value = CorrelationStateCodec.encode(state)
        do throws(NATSError) {
            if expectedRevision == 0 {
                return try await bucket.create(key, value: value)
            }
            return try await bucket.update(key, value: value, expectedRevision: expectedRevision)
        } catch {
            let lost = error.code == .keyExists || error.code == .staleRevision
            if lost { throw CorrelationConflict(sensor: sensor, trigger: trigger, expectedRevision: expectedRevision) }
            throw error
        }
    }

    /// The key of a sensor's trigger: each name as it is when it uses only `[-_=a-zA-Z0-9]`, else `=` and the hex
    /// of its UTF-8 bytes; the two joined with a dot.
    public static func key(sensor: String, trigger: String) -> String {
        "\(component(sensor)).\(component(trigger))"
    }

    private static func component(_ name: String) -> String {
        let plain =
            !name.isEmpty && !name.hasPrefix("=")
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default: false
                }
            }
        if plain { return name }
        return "="
            + name.utf8.map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
    }
}

/// A stored correlation value that cannot be read back.
public struct CorrelationStateError: Error, Sendable, CustomStringConvertible {
    /// The bucket key.
    public var key: String
    /// What is wrong.
    public var reason: String

    /// A log-ready description.
    public var description: String { "correlation state \(key) is unreadable: \(reason)" }
}

/// The MessagePack layout of a ``CorrelationState``: `{"v": 1, "pending": [{"dependency", "storedAt", "event"}],
/// "firings": [{"id", "firedAt", "events": {dependency: event}}], "consumed": [key]}`, each event a structured-mode
/// MessagePack CloudEvent in a binary value.
enum CorrelationStateCodec {
    static func encode(_ state: CorrelationState) -> [UInt8] {
        func event(_ event: Event) -> EventValue {
            .binary(CloudEventCodec.encodeStructured(event, format: .messagePack))
        }
        let pending = state.pending.map { entry -> EventValue in
            .map([
                "dependency": .string(entry.dependency), "storedAt": .timestamp(entry.storedAt),
                "event": event(entry.event),
            ])
        }
        let firings = state.firings.map { firing -> EventValue in
            var events = EventMap()
            for name in firing.events.keys.sorted() { events[name] = firing.events[name].map(event) }
            return .map(["id": .string(firing.id), "firedAt": .timestamp(firing.firedAt), "events": .map(events)])
        }
        return MessagePackCodec.encode(
            .map([
                "v": 1, "pending": .array(pending), "firings": .array(firings),
                "consumed": .array(state.consumed.map(EventValue.string)),
            ]))
    }

    static func decode(_ bytes: [UInt8], key: String) throws(CorrelationStateError) -> CorrelationState {
        func fail(_ reason: String) -> CorrelationStateError { CorrelationStateError(key: key, reason: reason) }
        func event(_ value: EventValue?) throws(CorrelationStateError) -> Event {
            guard case .binary(let payload)? = value else { throw fail("an event is not binary") }
            do {
                return try CloudEventCodec.decode(payload: payload)
            } catch {
                throw fail("an event does not decode: \(error)")
            }
        }
        let root: EventValue
        do {
            root = try MessagePackCodec.decode(bytes)
        } catch {
            throw fail("not MessagePack: \(error)")
        }
        guard root["v"] == 1 else { throw fail("unknown layout version") }
        var state = CorrelationState()
        for entry in root["pending"]?.arrayValue ?? [] {
            guard let dependency = entry["dependency"]?.stringValue, case .timestamp(let storedAt)? = entry["storedAt"]
            else { throw fail("a pending entry lacks dependency or storedAt") }
            state.pending.append(
                PendingEvent(dependency: dependency, event: try event(entry["event"]), storedAt: storedAt))
        }
        for entry in root["firings"]?.arrayValue ?? [] {
            guard let id = entry["id"]?.stringValue, case .timestamp(let firedAt)? = entry["firedAt"],
                let events = entry["events"]?.mapValue
            else { throw fail("a firing lacks id, firedAt or events") }
            var decoded: [String: Event] = [:]
            for (name, value) in events { decoded[name] = try event(value) }
            state.firings.append(Firing(id: id, events: decoded, firedAt: firedAt))
        }
        state.consumed = (root["consumed"]?.arrayValue ?? []).compactMap(\.stringValue)
        return state
    }
}
