import EventModel
import Testing

/// ``CloudEventCodec/decode(payload:headers:limits:dataKeys:)`` against the whole decode on the same bytes: the same
/// messages are rejected with the same errors, and an accepted one is the whole event with its map `data` reduced to
/// the keys asked for.
@Suite("Decoding with data reduced to some keys")
struct ReducedDecodingTests {
    /// The keys of the random data maps: few, so that the keys asked for are often present.
    static let keys = ["a", "b", "ok", "name", "value", "nested", "ü", "a-long-key-of-more-than-fifteen-bytes"]

    /// The outcome of a decode, comparable.
    enum Outcome: Equatable {
        case event(Event)
        case error(EventDecodingError)
    }

    static func outcome(_ body: () throws(EventDecodingError) -> Event) -> Outcome {
        do throws(EventDecodingError) { return .event(try body()) } catch { return .error(error) }
    }

    static func whole(_ bytes: [UInt8]) -> Outcome {
        outcome { () throws(EventDecodingError) in try CloudEventCodec.decode(payload: bytes) }
    }

    static func reduced(_ bytes: [UInt8], keys: Set<String>) -> Outcome {
        bytes.withUnsafeBytes { buffer in
            outcome { () throws(EventDecodingError) in try CloudEventCodec.decode(payload: buffer, dataKeys: keys) }
        }
    }

    /// What the reduced decode must give, from the whole decode's outcome.
    static func expected(_ whole: Outcome, keys: Set<String>) -> Outcome {
        guard case .event(var event) = whole, case .map(let data)? = event.data else { return whole }
        var reduced = EventMap()
        for (key, value) in data where keys.contains(key) { reduced[key] = value }
        event.data = .map(reduced)
        return .event(event)
    }

    static func randomScalar(using random: inout CorruptionTests.SplitMix) -> EventValue {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int64.random(in: -1_000...1_000, using: &random))
        case 3: return .uint(UInt64.max - UInt64.random(in: 0...10, using: &random))
        case 4: return .double(Double.random(in: -1e6...1e6, using: &random))
        case 5: return .string("sensor-\(Int.random(in: 0...99, using: &random))")
        case 6: return .string(String(repeating: "é", count: Int.random(in: 0...20, using: &random)))
        case 7: return .binary((0..<Int.random(in: 0...8, using: &random)).map { UInt8($0) })
        default:
            return .timestamp(
                EventTimestamp(
                    seconds: Int64.random(in: 0...2_000_000_000, using: &random),
                    nanoseconds: UInt32.random(in: 0...999_999_999, using: &random)))
        }
    }

    static func randomValue(depth: Int, using random: inout CorruptionTests.SplitMix) -> EventValue {
        guard depth > 0 else { return randomScalar(using: &random) }
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            return .array(
                (0..<Int.random(in: 0...3, using: &random)).map { _ in randomValue(depth: depth - 1, using: &random) })
        case 1: return .map(randomMap(depth: depth - 1, using: &random))
        default: return randomScalar(using: &random)
        }
    }

    static func randomMap(depth: Int, using random: inout CorruptionTests.SplitMix) -> EventMap {
        var map = EventMap()
        // Now and then a map of more than EventMap.indexThreshold entries, whose keys are checked through a set.
        let count = Int.random(in: 0..<10, using: &random) == 0 ? 20 : Int.random(in: 0...5, using: &random)
        for index in 0..<count {
            let key =
                count > keys.count ? "k\(index)" : keys[Int.random(in: 0..<keys.count, using: &random)]
            map[key] = randomValue(depth: depth, using: &random)
        }
        return map
    }

    static func randomKeys(using random: inout CorruptionTests.SplitMix) -> Set<String> {
        Set(keys.filter { _ in Bool.random(using: &random) })
    }

    @Test("random events, some corrupted: the same errors, and the whole event reduced to the keys")
    func randomEvents() {
        var random = CorruptionTests.SplitMix(state: 21)
        var accepted = 0
        var refused = 0
        for round in 0..<20_000 {
            let event = Event(
                id: "id-\(round)", source: "bench", type: "com.example.reading", subject: "sensor",
                time: round % 3 == 0 ? EventTimestamp(seconds: 1_800_000_000, nanoseconds: 0) : nil,
                extensions: round % 5 == 0 ? ["traceparent": "00-abc", "level": 3] : [:],
                data: round % 7 == 0
                    ? Self.randomValue(depth: 2, using: &random) : .map(Self.randomMap(depth: 2, using: &random))
            )
            var bytes = CloudEventCodec.encodeStructured(event, format: .messagePack)
            // Half the events get one to three corrupted bytes: invalid UTF-8, other formats, repeated keys.
            if Bool.random(using: &random) {
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    bytes[index] = UInt8.random(in: 0...255, using: &random)
                }
            }
            let keys = Self.randomKeys(using: &random)
            let whole = Self.whole(bytes)
            #expect(Self.reduced(bytes, keys: keys) == Self.expected(whole, keys: keys), "round \(round)")
            if case .event = whole { accepted += 1 } else { refused += 1 }
        }
        #expect(accepted > 5_000 && refused > 2_000, "both outcomes are exercised: \(accepted) / \(refused)")
    }

    /// A structured event whose `data` is the MessagePack map `entries` (already encoded, `count` of them).
    static func event(dataEntries entries: [UInt8], count: UInt8) -> [UInt8] {
        var attributes = CloudEventCodec.encodeStructured(
            Event(id: "1", source: "s", type: "t"), format: .messagePack)
        attributes[0] += 1  // one more entry in the top-level fixmap: data
        return attributes + [0xa4] + Array("data".utf8) + [0x80 | count] + entries
    }

    @Test(
        "an entry not built is still checked: each of these events is refused alike",
        arguments: [
            // "x": a string that is not UTF-8
            (1, [0xa1, 0x78, 0xa2, 0xc3, 0x28]),
            // "x": 1, "x": 2
            (2, [0xa1, 0x78, 0x01, 0xa1, 0x78, 0x02]),
            // 7: 1, "7": 2 (an integer key is its decimal text)
            (2, [0x07, 0x01, 0xa1, 0x37, 0x02]),
            // "x": an extension of type 5
            (1, [0xa1, 0x78, 0xd4, 0x05, 0x00]),
            // "x": a map with a bool key
            (1, [0xa1, 0x78, 0x81, 0xc3, 0x01]),
            // "x": [a string that is not UTF-8]
            (1, [0xa1, 0x78, 0x91, 0xa1, 0xff]),
        ] as [(UInt8, [UInt8])])
    func uncheckedEntries(count: UInt8, entries: [UInt8]) {
        let bytes = Self.event(dataEntries: entries, count: count)
        let whole = Self.whole(bytes)
        guard case .error = whole else {
            Issue.record("the whole decode accepted \(bytes)")
            return
        }
        #expect(Self.reduced(bytes, keys: ["ok"]) == whole)
    }

    @Test("only the entries asked for are built; data that is not a map is kept whole")
    func reduction() {
        let event = Event(
            id: "1", source: "s", type: "t", data: ["value": 3, "ok": true, "name": "sensor-1", "seq": 9])
        let bytes = CloudEventCodec.encodeStructured(event, format: .messagePack)
        var expected = event
        expected.data = ["ok": true]
        #expect(Self.reduced(bytes, keys: ["ok", "missing"]) == .event(expected))
        let text = Event(id: "2", source: "s", type: "t", data: "plain")
        let textBytes = CloudEventCodec.encodeStructured(text, format: .messagePack)
        #expect(Self.reduced(textBytes, keys: ["ok"]) == .event(text))
    }
}
