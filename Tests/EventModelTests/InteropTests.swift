import EventModel
import Foundation
import Testing

/// MessagePack produced by a third-party encoder (Python's `msgpack` from PyPI) decodes to the expected values,
/// and what we encode decodes in Python to the same values. `make test` installs the Python package.
@Suite("MessagePack interop with Python msgpack")
struct InteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Interop/msgpack_interop.py").path

    /// The cases of `msgpack_interop.py`, as the values we expect.
    static let expected: [String: EventValue] = [
        "nil": .null, "true": true, "false": false, "zero": 0, "fixint_max": 127, "negfixint_min": -32,
        "uint8_max": 255, "uint16_max": 65535, "uint32_max": 4_294_967_295, "int64_max": .int(.max),
        "uint64_max": .uint(.max), "int8_min": -128, "int16_min": -32768, "int32_min": -2_147_483_648,
        "int64_min": .int(.min), "float64_pi": 3.141592653589793, "float64_neg_zero": .double(-0.0),
        "float64_huge": .double(.greatestFiniteMagnitude), "str_empty": "", "str_ascii": "hello",
        "str_unicode": "déjà vu ✓ 日本 🚀", "str_long": .string(String(repeating: "x", count: 300)),
        "str_70k": .string(String(repeating: "y", count: 70000)), "bin_empty": .binary([]),
        "bin_bytes": .binary(Array(0...255)), "array_mixed": [1, "two", 3.5, nil, true, [.binary([0, 1])]],
        "array_20": .array((0..<20).map { .int($0) }),
        "map_nested": ["a": ["b": ["c": [1, ["d": "e"]]]], "z": -1],
        "map_20": .map(
            EventMap(Dictionary(uniqueKeysWithValues: (0..<20).map { (String(format: "k%02d", $0), .int(Int64($0))) }))),
        "ts32": .timestamp(EventTimestamp(seconds: 1_700_000_000)),
        "ts64": .timestamp(EventTimestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789)),
        "ts96": .timestamp(EventTimestamp(seconds: -1, nanoseconds: 500_000_000)),
        "ts96_far": .timestamp(EventTimestamp(seconds: 17_179_869_184, nanoseconds: 1)),
        "int_keys": ["1": "one", "-2": "minus two"],
        "event": [
            "specversion": "1.0", "id": "e-1", "source": "minio", "type": "com.example.object.created",
            "subject": "uploads", "time": "2026-11-21T10:15:00.5Z", "datacontenttype": "application/json",
            "data": ["bucket": "raw", "size": 1_048_576, "ratio": 0.25, "tags": ["a", "b"], "ok": true],
        ],
        "float32_half": 0.5,
    ]

    @Test("bytes packed by Python decode to the expected values")
    func decodesPythonEncoding() throws {
        let output = try Self.runScript(mode: "encode", input: "")
        var seen = Set<String>()
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            try #require(fields.count == 2, "unexpected line from the script: \(line)")
            let name = String(fields[0])
            let bytes = try #require(Self.bytes(hex: fields[1]))
            let expected = try #require(Self.expected[name], "no expected value for case \(name)")
            #expect(try MessagePackCodec.decode(bytes) == expected, "case \(name)")
            seen.insert(name)
        }
        #expect(seen == Set(Self.expected.keys), "every case was produced by Python")
    }

    @Test("what we encode decodes in Python to the same values")
    func pythonDecodesOurEncoding() throws {
        let input = Self.expected.map { name, value in
            name + " " + MessagePackCodec.encode(value).map { String(format: "%02x", $0) }.joined()
        }.joined(separator: "\n")
        let output = try Self.runScript(mode: "check", input: input + "\n")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == Self.expected.count)
        for line in lines {
            #expect(line.hasPrefix("ok "), "\(line)")
        }
    }

    @Test("a structured event packed by Python decodes with its attributes and data")
    func decodesPythonEvent() throws {
        let output = try Self.runScript(mode: "encode", input: "")
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("event ") })
        let bytes = try #require(Self.bytes(hex: line.split(separator: " ")[1]))
        let event = try CloudEventCodec.decode(payload: bytes)
        #expect(event.id == "e-1")
        #expect(event.source == "minio")
        #expect(event.subject == "uploads")
        #expect(event.time == EventTimestamp(seconds: 1_795_256_100, nanoseconds: 500_000_000))
        #expect(event.data?["size"] == 1_048_576)
    }

    static func runScript(mode: String, input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, mode]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InteropFailure(
                message: "python3 \(script) \(mode) failed (is PyPI msgpack installed? `make test` installs it): "
                    + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    struct InteropFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
