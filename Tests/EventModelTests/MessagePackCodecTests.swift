import EventModel
import Testing

@Suite("MessagePack codec")
struct MessagePackCodecTests {
    static let edgeValues: [EventValue] = [
        .null, true, false, 0, 1, 127, 128, 255, 256, 65535, 65536, 4_294_967_295, 4_294_967_296, .int(.max),
        .uint(UInt64(Int64.max) + 1), .uint(.max), -1, -32, -33, -128, -129, -32768, -32769, -2_147_483_648,
        -2_147_483_649, .int(.min), 0.0, .double(-0.0), 1.5, -2.25, .double(.greatestFiniteMagnitude),
        .double(.leastNonzeroMagnitude), .double(.infinity), .double(-.infinity), "", "a", "déjà ✓ 🚀",
        .string(String(repeating: "s", count: 31)), .string(String(repeating: "s", count: 32)),
        .string(String(repeating: "s", count: 255)), .string(String(repeating: "s", count: 256)),
        .string(String(repeating: "s", count: 65536)), .binary([]), .binary([0, 1, 255]),
        .binary(Array(repeating: 7, count: 256)), .binary(Array(repeating: 7, count: 65536)), [], [1, "a", nil],
        .array((0..<16).map { .int($0) }), .array((0..<65536).map { _ in .null }), [:], ["k": ["nested": [1, 2]]],
        .map(EventMap(Dictionary(uniqueKeysWithValues: (0..<16).map { ("k\($0)", .int($0)) }))),
        .map(EventMap(Dictionary(uniqueKeysWithValues: (0..<65536).map { ("k\($0)", .bool($0 % 2 == 0)) }))),
        .timestamp(EventTimestamp(seconds: 0)), .timestamp(EventTimestamp(seconds: 4_294_967_295)),
        .timestamp(EventTimestamp(seconds: 4_294_967_296)),
        .timestamp(EventTimestamp(seconds: 1, nanoseconds: 999_999_999)),
        .timestamp(EventTimestamp(seconds: 17_179_869_183, nanoseconds: 1)),
        .timestamp(EventTimestamp(seconds: 17_179_869_184)), .timestamp(EventTimestamp(seconds: -1, nanoseconds: 5)),
        .timestamp(EventTimestamp(seconds: .min)), .timestamp(EventTimestamp(seconds: .max, nanoseconds: 999_999_999)),
    ]

    @Test("every type and edge value survives encode then decode", arguments: edgeValues)
    func roundTrip(value: EventValue) throws {
        #expect(try MessagePackCodec.decode(MessagePackCodec.encode(value)) == value)
    }

    @Test("NaN survives encode then decode")
    func nanRoundTrip() throws {
        let decoded = try MessagePackCodec.decode(MessagePackCodec.encode(.double(.nan)))
        guard case .double(let number) = decoded else {
            Issue.record("decoded \(decoded)")
            return
        }
        #expect(number.isNaN)
    }

    /// Every wire format, including the non-minimal ones other encoders write.
    static let wireForms: [(String, EventValue)] = [
        ("c0", .null), ("c2", false), ("c3", true), ("05", 5), ("ff", -1), ("e0", -32),
        ("cc ff", 255), ("cd 01 00", 256), ("ce 00 01 00 00", 65536), ("cf ff ff ff ff ff ff ff ff", .uint(.max)),
        ("cf 00 00 00 00 00 00 00 07", 7), ("d0 80", -128), ("d0 05", 5), ("d1 80 00", -32768),
        ("d2 80 00 00 00", -2_147_483_648), ("d3 80 00 00 00 00 00 00 00", .int(.min)),
        ("d3 00 00 00 00 00 00 00 09", 9),
        ("ca 3f 00 00 00", 0.5), ("ca c0 20 00 00", -2.5), ("cb 40 09 21 fb 54 44 2d 18", 3.141592653589793),
        ("a3 61 62 63", "abc"), ("d9 03 61 62 63", "abc"), ("da 00 03 61 62 63", "abc"),
        ("db 00 00 00 03 61 62 63", "abc"),
        ("c4 02 00 ff", .binary([0, 255])), ("c5 00 01 2a", .binary([42])), ("c6 00 00 00 00", .binary([])),
        ("92 01 02", [1, 2]), ("dc 00 01 c0", [nil]), ("dd 00 00 00 00", []),
        ("81 a1 6b 01", ["k": 1]), ("de 00 01 a1 6b 01", ["k": 1]), ("df 00 00 00 00", [:]),
        ("d6 ff 00 00 00 3c", .timestamp(EventTimestamp(seconds: 60))),
        ("d7 ff 00 00 00 04 00 00 00 3c", .timestamp(EventTimestamp(seconds: 60, nanoseconds: 1))),
        ("c7 0c ff 00 00 00 02 ff ff ff ff ff ff ff ff", .timestamp(EventTimestamp(seconds: -1, nanoseconds: 2))),
        ("81 01 a3 6f 6e 65", ["1": "one"]), ("81 ff a1 6d", ["-1": "m"]),
        ("81 cf ff ff ff ff ff ff ff ff c0", ["18446744073709551615": nil]),
    ]

    @Test("each wire form decodes to its value", arguments: wireForms)
    func wireForm(bytes: String, expected: EventValue) throws {
        #expect(try MessagePackCodec.decode(hex(bytes)) == expected)
    }

    /// Malformed or refused input with the reason and path it must report.
    static let refusals: [(String, EventDecodingError.Reason, String)] = [
        ("", .truncated(needed: 1, available: 0), "$"),
        ("c1", .reservedFormat(byte: 0xc1), "$"),
        ("c0 c0", .trailingBytes(count: 1), "$"),
        ("a2 c3 28", .invalidUTF8, "$"),
        ("81 a1 6b a1 ff", .invalidUTF8, "$.k"),
        ("81 a2 c3 28 01", .invalidUTF8, "$"),
        ("81 a4 64 61 74 61 92 01 a1 ff", .invalidUTF8, "$.data[1]"),
        ("d4 05 00", .unsupportedExtension(type: 5), "$"),
        ("81 a1 78 c7 01 7f 00", .unsupportedExtension(type: 127), "$.x"),
        ("d8 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", .invalidTimestamp(size: 16), "$"),
        ("d7 ff ff ff ff ff 00 00 00 00", .invalidTimestamp(size: 8), "$"),
        ("c7 0c ff 3b 9a ca 00 00 00 00 00 00 00 00 00", .invalidTimestamp(size: 12), "$"),
        ("81 c3 01", .nonStringMapKey(type: "bool"), "$"),
        ("81 c4 01 61 01", .nonStringMapKey(type: "binary"), "$"),
        ("81 91 01 01", .nonStringMapKey(type: "array"), "$"),
        ("82 a1 61 01 a1 61 02", .duplicateKey("a"), "$.a"),
        ("82 01 c0 a1 31 c0", .duplicateKey("1"), "$.1"),
        ("82 a1 31 c0 01 c0", .duplicateKey("1"), "$.1"),
        // 17 entries: past the size where duplicates are found through a set.
        (
            "de 00 11 a1 61 c0 a1 62 c0 a1 63 c0 a1 64 c0 a1 65 c0 a1 66 c0 a1 67 c0 a1 68 c0 a1 69 c0 a1 6a c0 a1 6b c0 a1 6c c0 a1 6d c0 a1 6e c0 a1 6f c0 a1 70 c0 a1 61 c0",
            .duplicateKey("a"), "$.a"
        ),
    ]

    @Test("malformed input gives its typed error", arguments: refusals)
    func refusal(bytes: String, reason: EventDecodingError.Reason, path: String) {
        let error = decodingError { try MessagePackCodec.decode(hex(bytes)) }
        #expect(error?.reason == reason)
        #expect(error?.path == path)
    }

    @Test("the typical event truncated at every byte offset gives a truncation error")
    func truncatedAtEveryOffset() {
        let bytes = CloudEventCodec.encodeStructured(typicalEvent, format: .messagePack)
        for length in 0..<bytes.count {
            let error = decodingError { try MessagePackCodec.decode(Array(bytes.prefix(length))) }
            guard case .truncated = error?.reason else {
                Issue.record("prefix of \(length) bytes: \(String(describing: error))")
                continue
            }
        }
        #expect(throws: Never.self) { try MessagePackCodec.decode(bytes) }
    }

    /// Headers declaring huge containers or strings in a tiny buffer.
    static let lengthBombs = [
        "dd ff ff ff ff 00 00 00 00 00",  // array32 of 4,294,967,295 elements in 10 bytes
        "df ff ff ff ff 00 00 00 00 00",  // map32 of 4,294,967,295 entries
        "dc ff ff 00",  // array16 of 65,535 elements
        "db ff ff ff ff 61",  // str32 of 4 GiB
        "c6 ff ff ff ff 00",  // bin32 of 4 GiB
        "c9 ff ff ff ff ff 00",  // ext32 of 4 GiB
        "81 a1 61 dd 80 00 00 00 01",  // nested array32 of 2^31 elements
    ]

    @Test("a length bomb fails fast as truncated, whatever the element limit", arguments: lengthBombs)
    func lengthBomb(bytes: String) {
        let unlimited = DecodingLimits(maxContainerElements: .max)
        let error = decodingError { try MessagePackCodec.decode(hex(bytes), limits: unlimited) }
        guard case .truncated(let needed, let available) = error?.reason else {
            Issue.record("\(bytes): \(String(describing: error))")
            return
        }
        #expect(needed > UInt64(available))
    }

    @Test("a container over the element limit names the count and the limit")
    func elementLimit() throws {
        let error = decodingError { try MessagePackCodec.decode(hex("dd ff ff ff ff 00 00 00 00 00")) }
        #expect(error?.reason == .tooManyElements(declared: 4_294_967_295, limit: 65536))
        let small = DecodingLimits(maxContainerElements: 2)
        #expect(
            decodingError { try MessagePackCodec.decode(hex("93 01 02 03"), limits: small) }?.reason
                == .tooManyElements(declared: 3, limit: 2))
        #expect(try MessagePackCodec.decode(hex("92 01 02"), limits: small) == [1, 2])
    }

    @Test("nesting is capped at msgpack-c's parser depth, and lower when configured")
    func depthLimit() throws {
        func nested(_ depth: Int) -> [UInt8] { Array(repeating: 0x91, count: depth) + [0xc0] }
        var expected: EventValue = nil
        for _ in 0..<MessagePackCodec.parserDepthCeiling { expected = [expected] }
        #expect(try MessagePackCodec.decode(nested(MessagePackCodec.parserDepthCeiling)) == expected)
        #expect(
            decodingError { try MessagePackCodec.decode(nested(MessagePackCodec.parserDepthCeiling + 1)) }?.reason
                == .nestingTooDeep(limit: MessagePackCodec.parserDepthCeiling))
        #expect(
            decodingError { try MessagePackCodec.decode(nested(100_000)) }?.reason
                == .nestingTooDeep(limit: MessagePackCodec.parserDepthCeiling))
        let shallow = DecodingLimits(maxDepth: 3)
        #expect(
            decodingError { try MessagePackCodec.decode(nested(4), limits: shallow) }?.reason
                == .nestingTooDeep(limit: 3))
        #expect(try MessagePackCodec.decode(nested(3), limits: shallow) == [[[nil]]])
    }

    @Test("a payload over the size limit is refused before decoding")
    func sizeLimit() {
        let bytes = MessagePackCodec.encode(.string(String(repeating: "x", count: 100)))
        let limits = DecodingLimits(maxPayloadBytes: 64)
        #expect(
            decodingError { try MessagePackCodec.decode(bytes, limits: limits) }?.reason
                == .payloadTooLarge(size: bytes.count, limit: 64))
        let defaultLimit = [UInt8](repeating: 0xc0, count: (1 << 20) + 1)
        #expect(
            decodingError { try MessagePackCodec.decode(defaultLimit) }?.reason
                == .payloadTooLarge(size: (1 << 20) + 1, limit: 1 << 20))
    }

    @Test("encoding picks the smallest format and keeps map entries in order")
    func compactEncoding() {
        #expect(MessagePackCodec.encode(["b": 1, "a": -1]) == hex("82 a1 62 01 a1 61 ff"))
        #expect(MessagePackCodec.encode(300) == hex("cd 01 2c"))
        #expect(MessagePackCodec.encode(-200) == hex("d1 ff 38"))
        #expect(MessagePackCodec.encode(.timestamp(EventTimestamp(seconds: 60))) == hex("d6 ff 00 00 00 3c"))
    }

    @Test("error descriptions name the problem, the path and the offset")
    func errorDescription() {
        let error = decodingError { try MessagePackCodec.decode(hex("81 a4 64 61 74 61 92 01 a1 ff")) }
        #expect(error?.description == "invalid UTF-8 in string at $.data[1]")
        #expect(error?.code == "invalid_utf8")
        let bomb = decodingError { try MessagePackCodec.decode(hex("81 a1 61 dd ff ff ff ff")) }
        #expect(
            bomb?.description == "container declares 4294967295 elements, more than the limit of 65536 at $ (byte 3)")
    }
}

@Suite("Random corruption")
struct CorruptionTests {
    /// Seeded so that a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
            return mixed ^ (mixed >> 31)
        }
    }

    @Test("corrupted events decode or fail with a typed error, never crash", arguments: EventFormat.allCases)
    func corruption(format: EventFormat) {
        var random = SplitMix(state: format == .json ? 1 : 2)
        let original = CloudEventCodec.encodeStructured(typicalEvent, format: format)
        var refused = 0
        for _ in 0..<20_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
                }
            }
            do {
                _ = try CloudEventCodec.decode(payload: bytes)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 10_000, "most corruptions are detected")
    }
}
