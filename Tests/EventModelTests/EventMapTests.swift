import EventModel
import Testing

@Suite("Ordered maps")
struct EventMapTests {
    @Test("entries keep insertion order; replacing keeps the position", arguments: [3, EventMap.indexThreshold + 5])
    func order(count: Int) {
        var map = EventMap()
        for index in (0..<count).reversed() { map["k\(index)"] = .int(Int64(index)) }
        #expect(map.keys == (0..<count).reversed().map { "k\($0)" })
        #expect(map.updateValue("new", forKey: "k1") == 1)
        #expect(map.keys.count == count)
        #expect(map["k1"] == "new")
        #expect(map["absent"] == nil)
        #expect(map.removeValue(forKey: "k0") == 0)
        #expect(map["k0"] == nil)
        #expect(map.count == count - 1)
        map["k2"] = nil
        #expect(map["k2"] == nil && map.count == count - 2)
        #expect(map["k1"] == "new", "lookups still work after removals")
    }

    @Test("maps are equal and hash alike whatever the order of their entries")
    func unorderedEquality() {
        let forward: EventMap = ["a": 1, "b": [2], "c": ["d": nil]]
        let backward: EventMap = ["c": ["d": nil], "b": [2], "a": 1]
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(forward != ["a": 1, "b": [2]])
        #expect(forward != ["a": 1, "b": [3], "c": ["d": nil]])
    }

    @Test("decoding keeps the order the producer wrote")
    func decodedOrder() throws {
        let json = try JSONCodec.decode(Array(#"{"zeta":1,"alpha":2,"mid":3}"#.utf8))
        #expect(json.mapValue?.keys == ["zeta", "alpha", "mid"])
        let messagePack = try MessagePackCodec.decode(hex("83 a1 7a 01 a1 61 02 a1 6d 03"))
        #expect(messagePack.mapValue?.keys == ["z", "a", "m"])
        #expect(JSONCodec.encodeToString(json) == #"{"zeta":1,"alpha":2,"mid":3}"#)
    }
}
