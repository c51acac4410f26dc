import EventModel
import Testing

@Suite("JSON codec")
struct JSONCodecTests {
    static let numbers: [(String, EventValue)] = [
        ("0", 0), ("-0", 0), ("42", 42), ("-42", -42), ("9223372036854775807", .int(.max)),
        ("9223372036854775808", .uint(UInt64(Int64.max) + 1)), ("18446744073709551615", .uint(.max)),
        ("18446744073709551616", 18_446_744_073_709_551_616.0), ("-9223372036854775808", .int(.min)),
        ("-9223372036854775809", -9_223_372_036_854_775_809.0), ("1.5", 1.5), ("-0.25", -0.25), ("1e3", 1000.0),
        ("1E+3", 1000.0), ("-1.25e-2", -0.0125), ("0.1", 0.1), ("1.0", 1.0),
    ]

    @Test("numbers keep integer and float apart, across the 64-bit range", arguments: numbers)
    func number(text: String, expected: EventValue) throws {
        #expect(try JSONCodec.decode(Array(text.utf8)) == expected)
    }

    static let strings: [(String, String)] = [
        (#""""#, ""), (#""plain""#, "plain"), (#""a\"b\\c\/d""#, "a\"b\\c/d"), (#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
        (#""\u00e9\u4e2d""#, "é中"), (#""\ud83d\ude80""#, "🚀"), ("\"déjà ✓\"", "déjà ✓"), (#""\u0000""#, "\u{0}"),
    ]

    @Test("strings decode escapes and surrogate pairs", arguments: strings)
    func string(text: String, expected: String) throws {
        #expect(try JSONCodec.decode(Array(text.utf8)) == .string(expected))
    }

    @Test("documents decode with whitespace, nesting and every literal")
    func document() throws {
        let text = #" { "a" : [ 1 , 2.5 , "x" , true , false , null , { } , [ ] ] , "b" : { "c" : -3 } } "#
        let expected: EventValue = ["a": [1, 2.5, "x", true, false, nil, [:], []], "b": ["c": -3]]
        #expect(try JSONCodec.decode(Array(text.utf8)) == expected)
    }

    static let refusals: [(String, String)] = [
        ("", "truncated"), ("   ", "truncated"), ("01", "invalid_json"), ("1.", "truncated"), (".5", "invalid_json"),
        ("+1", "invalid_json"), ("-", "truncated"), ("1e", "truncated"), ("0x10", "trailing_bytes"),
        ("NaN", "invalid_json"),
        ("[1,]", "invalid_json"), (#"{"a":1,}"#, "invalid_json"), (#"{"a" 1}"#, "invalid_json"),
        ("{a:1}", "invalid_json"),
        ("[1 2]", "invalid_json"), ("{} x", "trailing_bytes"), ("tru", "truncated"), ("trux", "invalid_json"),
        (#""abc"#, "truncated"), (#""\x""#, "invalid_json"), (#""\u12g4""#, "invalid_json"),
        (#""\ud800""#, "invalid_json"), (#""\udc00""#, "invalid_json"), (#""\ud800\u0041""#, "invalid_json"),
        ("\"a\u{1}b\"", "invalid_json"), ("\"tab\there\"", "invalid_json"),
        (#"{"k":1,"k":2}"#, "duplicate_key"),
    ]

    @Test("malformed JSON gives its typed error", arguments: refusals)
    func refusal(text: String, code: String) {
        #expect(decodingError { try JSONCodec.decode(Array(text.utf8)) }?.code == code)
    }

    @Test("errors locate the value by path and byte offset")
    func errorLocation() {
        let error = decodingError { try JSONCodec.decode(Array(#"{"data":{"items":[1,tru]}}"#.utf8)) }
        #expect(error?.path == "$.data.items[1]")
        #expect(error?.offset == 20)
        #expect(error?.description == "invalid JSON: \"true\" at $.data.items[1] (byte 20)")
        let duplicate = decodingError { try JSONCodec.decode(Array(#"{"a.b":{"k":1,"k":2}}"#.utf8)) }
        #expect(duplicate?.path == #"$["a.b"].k"#)
    }

    @Test("invalid UTF-8 inside a string is refused, with or without escapes")
    func invalidUTF8() {
        for bytes in [[0x22, 0xc3, 0x28, 0x22], [0x22, 0x5c, 0x6e, 0xff, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22]]
            as [[UInt8]]
        {
            #expect(decodingError { try JSONCodec.decode(bytes) }?.reason == .invalidUTF8)
        }
    }

    @Test("the typical event truncated at every byte offset is refused")
    func truncatedAtEveryOffset() {
        let bytes = CloudEventCodec.encodeStructured(typicalEvent, format: .json)
        for length in 0..<bytes.count {
            let code = decodingError { try JSONCodec.decode(Array(bytes.prefix(length))) }?.code
            #expect(
                code == "truncated" || code == "invalid_json", "prefix of \(length) bytes gave \(code ?? "nothing")")
        }
    }

    @Test("nesting deeper than the limit is refused, whatever the input length")
    func depthLimit() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONCodec.decode(Array(deepest.utf8)) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(decodingError { try JSONCodec.decode(Array(tooDeep.utf8)) }?.reason == .nestingTooDeep(limit: 64))
        let bomb = [UInt8](repeating: UInt8(ascii: "["), count: 500_000)
        #expect(decodingError { try JSONCodec.decode(bomb) }?.reason == .nestingTooDeep(limit: 64))
    }

    @Test("containers over the element limit and payloads over the size limit are refused")
    func sizeLimits() {
        let limits = DecodingLimits(maxContainerElements: 3)
        #expect(
            decodingError { try JSONCodec.decode(Array("[1,2,3,4]".utf8), limits: limits) }?.reason
                == .tooManyElements(declared: 4, limit: 3))
        #expect(
            decodingError { try JSONCodec.decode(Array(#"{"a":1,"b":2,"c":3,"d":4}"#.utf8), limits: limits) }?.reason
                == .tooManyElements(declared: 4, limit: 3))
        let big = Array(("\"" + String(repeating: "x", count: 1 << 20) + "\"").utf8)
        #expect(
            decodingError { try JSONCodec.decode(big) }?.reason == .payloadTooLarge(size: big.count, limit: 1 << 20))
    }

    @Test("encoding keeps entry order, escapes strings and writes the non-JSON types as text")
    func encoding() {
        let value: EventValue = [
            "z": "quote\" backslash\\ newline\n bell\u{7}", "a": [1, -2, 2.5, .uint(.max), nil, true],
            "bin": .binary([0, 1, 2, 250]), "at": .timestamp(EventTimestamp(seconds: 1, nanoseconds: 500_000_000)),
            "nan": .double(.nan), "inf": .double(-.infinity),
        ]
        let text = JSONCodec.encodeToString(value)
        #expect(
            text == #"{"z":"quote\" backslash\\ newline\n bell\u0007","a":[1,-2,2.5,18446744073709551615,null,true],"#
                + #""bin":"AAEC+g==","at":"1970-01-01T00:00:01.5Z","nan":"NaN","inf":"-Infinity"}"#)
    }

    @Test("strings are escaped only where JSON requires it, and survive encode then decode")
    func stringEscapes() throws {
        let named: [UInt8: String] = [0x22: #"\""#, 0x5c: #"\\"#, 0x0a: #"\n"#, 0x0d: #"\r"#, 0x09: #"\t"#]
        for byte in UInt8(0)..<0x80 {
            let text = "a" + String(UnicodeScalar(byte)) + "z"
            let hex = String(byte, radix: 16)
            let expected =
                named[byte]
                ?? (byte < 0x20 ? #"\u00"# + (hex.count == 1 ? "0" : "") + hex : String(UnicodeScalar(byte)))
            #expect(JSONCodec.encodeToString(.string(text)) == "\"a\(expected)z\"", "byte \(byte)")
            #expect(try JSONCodec.decode(JSONCodec.encode(.string(text))) == .string(text), "byte \(byte)")
        }
        for text in ["", "é€😀\u{2028}", "\r\n\"\\", String(repeating: "plain ", count: 50) + "\u{7f}\u{0}"] {
            #expect(try JSONCodec.decode(JSONCodec.encode(.string(text))) == .string(text), "\(text.debugDescription)")
        }
        #expect(JSONCodec.encodeToString(.string("é€😀\u{7f}")) == "\"é€😀\u{7f}\"")
    }

    @Test(
        "JSON-representable values survive encode then decode",
        arguments: [
            EventValue.null, true, 0, .int(.min), .int(.max), .uint(.max), 0.5, -1e300, .double(.leastNonzeroMagnitude),
            "",
            "\u{0}\u{1f}\"\\/ é 🚀", [], [:], ["k": [1, ["n": nil]]],
        ])
    func roundTrip(value: EventValue) throws {
        #expect(try JSONCodec.decode(JSONCodec.encode(value)) == value)
    }
}
