import Foundation
import Logging
import SensorTesting
import Testing

@testable import Gateway

/// Log lines as operators read them: the timestamp, the record's metadata by key, and every line written, in order.
struct GatewayLogHandlerTests {
    @Test func timestampMatchesFoundationsISO8601() {
        var random = SeededRandom(seed: 7)
        let style = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_256_100.999_9)]
        for _ in 0..<5_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &random)))
        }
        for date in dates {
            #expect(GatewayLogHandler.timestamp(date) == date.formatted(style), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func linesListMetadataByKeyAndTheRecordsOwnWin() throws {
        let time = Date(timeIntervalSince1970: 1_795_256_100.25)
        let metadata: Logger.Metadata = ["sensor": "hook", "outcome": "pending", "nats.seq.stream": "7"]
        let extra: Logger.Metadata = ["outcome": "succeeded", "detail": "POST http://h/hook answered 200"]
        let text = GatewayLogHandler.render(
            format: .text, time: time, level: .info, label: "sensor-gateway", message: "trigger executed",
            metadata: metadata, extra: extra)
        #expect(
            text == "\(GatewayLogHandler.timestamp(time)) info [sensor-gateway] trigger executed "
                + "detail=POST http://h/hook answered 200 nats.seq.stream=7 outcome=succeeded sensor=hook")
        let json = GatewayLogHandler.render(
            format: .json, time: time, level: .warning, label: "sensor-gateway", message: "a \"quoted\" message",
            metadata: metadata, extra: extra)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(object["message"] == "a \"quoted\" message")
        #expect(object["outcome"] == "succeeded")
        #expect(object["level"] == "warning")
        #expect(json.hasPrefix(#"{"time":"#))
        let detail = try #require(json.range(of: #""detail":"#))
        let sensor = try #require(json.range(of: #""sensor":"#))
        #expect(detail.lowerBound < sensor.lowerBound, "metadata by key")
    }

    @Test func bufferedLinesAreWrittenInOrder() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        let output = LogOutput(fileDescriptor: handle.fileDescriptor)
        let written = { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        output.write("one\n", now: false)
        output.write("two\n", now: false)
        output.write("three (a warning)\n", now: true)
        #expect(written() == "one\ntwo\nthree (a warning)\n", "a line written at once takes the buffered ones first")
        output.write("four\n", now: false)
        try await eventually("the buffered line to be written") { written().hasSuffix("three (a warning)\nfour\n") }
        output.write("five\n", now: false)
        output.flush()
        #expect(written() == "one\ntwo\nthree (a warning)\nfour\nfive\n")
    }
}
