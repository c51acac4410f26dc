import Foundation
import Logging
import SensorTesting
import Testing

@testable import Gateway

/// Log lines as operators read them: the timestamp, the record's metadata by key, values escaped as JSON writes them,
/// and every line written, in order.
struct GatewayLogHandlerTests {
    @Test func timestampMatchesFoundationsISO8601() {
        var random = SeededRandom(seed: 7)
        let style = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true)
        var dates = [0, 1_795_256_100.999_9, 951_782_400.5, 951_868_799.75, 1_709_164_800, 4_107_542_399.125]
            .map { Date(timeIntervalSince1970: $0) }
        for _ in 0..<5_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &random)))
        }
        for date in dates {
            #expect(Self.timestamp(date) == date.formatted(style), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func linesListMetadataByKeyAndTheRecordsOwnWin() throws {
        let time = Date(timeIntervalSince1970: 1_795_256_100.25)
        let metadata: Logger.Metadata = ["sensor": "hook", "outcome": "pending", "nats.seq.stream": "7"]
        let extra: Logger.Metadata = ["outcome": "succeeded", "detail": "POST http://h/hook answered 200"]
        let text = Self.line(
            .text, time: time, message: "trigger executed", metadata: SortedMetadata(metadata), extra: extra)
        #expect(
            text == "\(Self.timestamp(time)) info [sensor-gateway] trigger executed "
                + "detail=POST http://h/hook answered 200 nats.seq.stream=7 outcome=succeeded sensor=hook")
        let json = Self.line(
            .json, time: time, level: .warning, message: "a \"quoted\" message", metadata: SortedMetadata(metadata),
            extra: extra)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(object["message"] == "a \"quoted\" message")
        #expect(object["outcome"] == "succeeded")
        #expect(object["level"] == "warning")
        #expect(json.hasPrefix(#"{"time":"#))
        let detail = try #require(json.range(of: #""detail":"#))
        let sensor = try #require(json.range(of: #""sensor":"#))
        #expect(detail.lowerBound < sensor.lowerBound, "metadata by key")
    }

    @Test func trickyMetadataRendersExactly() {
        let time = Date(timeIntervalSince1970: 1_795_256_100.25)
        var metadata = SortedMetadata()
        metadata["trigger"] = "notify"
        metadata["ünïcode"] = "héllo 😀"
        metadata["outcome"] = "pending"
        metadata["a\"quote"] = "x\\y"
        metadata["list"] = .array(["a", .dictionary(["k": "v"])])
        metadata["nats.seq.stream"] = "7"
        metadata["count"] = .stringConvertible(42)
        metadata["ctl"] = "one\ntwo\r\t\u{01}\u{1f}\u{7f}"
        metadata["gone"] = "removed below"
        metadata["trigger"] = "notify-http"
        metadata["gone"] = nil
        let extra: Logger.Metadata = ["outcome": "succeeded", "detail": #"POST "h" answered 200"#]
        let message = "a \"quoted\"\nmessage\\ é"
        let stamp = Self.timestamp(time)
        #expect(
            Self.line(.text, time: time, level: .error, message: message, metadata: metadata, extra: extra)
                == "\(stamp) error [sensor-gateway] \(message) a\"quote=x\\y count=42 ctl=one\ntwo\r\t\u{01}\u{1f}\u{7f} "
                + #"detail=POST "h" answered 200 list=["a", ["k": "v"]] nats.seq.stream=7 outcome=succeeded "#
                + "trigger=notify-http ünïcode=héllo 😀")
        #expect(
            Self.line(.json, time: time, message: message, metadata: metadata, extra: extra)
                == #"{"time":"\#(stamp)","level":"info","logger":"sensor-gateway","#
                + #""message":"a \"quoted\"\nmessage\\ é","a\"quote":"x\\y","count":"42","#
                + #""ctl":"one\ntwo\r\t\u0001\u001f\#u{7f}","detail":"POST \"h\" answered 200","#
                + #""list":"[\"a\", [\"k\": \"v\"]]","nats.seq.stream":"7","outcome":"succeeded","#
                + #""trigger":"notify-http","ünïcode":"héllo 😀"}"#)
        #expect(
            Self.line(
                .text, time: time, message: "no metadata", metadata: SortedMetadata(), extra: ["b": "2", "a": "1"])
                == "\(stamp) info [sensor-gateway] no metadata a=1 b=2")
    }

    @Test func loggerCopiesKeepTheirOwnMetadataByKey() {
        var logger = Logger(label: "sensor-gateway") { GatewayLogHandler(label: $0, format: .text, level: .info) }
        logger[metadataKey: "sensor"] = "hook"
        var copy = logger
        copy[metadataKey: "firing"] = "f1"
        copy[metadataKey: "sensor"] = "other"
        #expect(logger.handler.metadata == ["sensor": "hook"])
        #expect(copy.handler.metadata == ["firing": "f1", "sensor": "other"])
        copy[metadataKey: "sensor"] = nil
        #expect(copy[metadataKey: "firing"] == "f1")
        #expect(copy[metadataKey: "sensor"] == nil)
        copy.handler.metadata = ["b": "2", "a": "1"]
        #expect(copy.handler.metadata == ["a": "1", "b": "2"])
        #expect(copy[metadataKey: "a"] == "1")
        #expect(
            MemoryLayout<GatewayLogHandler>.size <= 3 * MemoryLayout<Int>.size,
            "a Logger's existential holds the handler inline, so copying a logger allocates no box for it")
    }

    @Test func bufferedLinesAreWrittenInOrder() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        let output = LogOutput(fileDescriptor: handle.fileDescriptor)
        let written = { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let write = { (line: String, now: Bool) in output.write(Array(line.utf8), now: now) }
        write("one\n", false)
        write("two\n", false)
        write("three (a warning)\n", true)
        #expect(written() == "one\ntwo\nthree (a warning)\n", "a line written at once takes the buffered ones first")
        write("four\n", false)
        try await eventually("the buffered line to be written") { written().hasSuffix("three (a warning)\nfour\n") }
        write("five\n", false)
        output.flush()
        #expect(written() == "one\ntwo\nthree (a warning)\nfour\nfive\n")
    }

    private static func line(
        _ format: LogFormat, time: Date, level: Logger.Level = .info, message: String, metadata: SortedMetadata,
        extra: Logger.Metadata?
    ) -> String {
        var bytes: [UInt8] = []
        GatewayLogHandler.render(
            format: format, time: time, level: level, label: "sensor-gateway", message: message, metadata: metadata,
            extra: extra, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func timestamp(_ time: Date) -> String {
        var bytes: [UInt8] = []
        GatewayLogHandler.writeTimestamp(time, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
