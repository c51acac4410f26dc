import EventModel
import Foundation
import LoopbackTesting
import SensorTesting
import Testing

/// `explain`'s exit status (0 fires, 2 nothing fires, 1 invalid input) and its hint when nothing fires.
@Suite(
    .requires(
        CommandLine.binaryExists, "sensor-gateway binary not built: expected \(CommandLine.binary); run swift build"))
struct ExplainCommandTests {
    static let sensor = Repository.root + "/config/sensors/model-promotion.yaml"
    static let sample = Repository.root + "/config/events/model-trained.json"

    /// The sample event with `original` replaced by `replacement` in its JSON, in a fresh directory.
    static func event(replacing original: String, with replacement: String) throws -> (URL, String) {
        let text = try String(contentsOfFile: sample, encoding: .utf8)
        #expect(text.contains(original))
        let directory = try CommandLine.directory(
            "sg-explain-\(UUID().uuidString)",
            files: ["event.json": text.replacingOccurrences(of: original, with: replacement)])
        return (directory, directory.appendingPathComponent("event.json").path)
    }

    @Test func firesExitsZero() throws {
        let result = try CommandLine.run(["explain", "--sensors", Self.sensor, "--event", Self.sample])
        #expect(result.status == 0)
        #expect(!result.output.contains("nothing fires"))
    }

    /// An event that reaches the dependency and fails a filter: exit 2, and the hint names the failing filter and
    /// the value it saw.
    @Test func filteredOutExitsTwoNamingTheFilter() throws {
        let (directory, event) = try Self.event(replacing: #""accuracy":0.93"#, with: #""accuracy":0.5"#)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try CommandLine.run(["explain", "--sensors", Self.sensor, "--event", event])
        #expect(text.status == 2)
        let hint = text.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            hint.hasPrefix(
                "nothing fires; closest: sensor model-promotion dependency model-trained: event 7f3c9a52d1e04b8f9a6c2e1d0b4a5f60 failed "
            ), "\(text.output)")
        #expect(hint.contains("body.metrics.accuracy") && hint.contains("0.5"), "\(hint)")
        #expect(!hint.contains("body.stage"), "only the filters that failed: \(hint)")

        let json = try CommandLine.run(
            ["explain", "--sensors", Self.sensor, "--event", event, "--format", "json"], standardError: true)
        #expect(json.status == 2)
        let document = try JSONCodec.decode(Array(json.output.utf8))
        #expect(document["nearMiss"]?["reason"] == "filter")
        #expect(document["nearMiss"]?["dependency"] == "model-trained")
        #expect(document["nearMiss"]?["trigger"] == "evaluate-model")
    }

    /// One half of `dataset-ready && code-pushed`: exit 2, and the hint says the condition waits.
    @Test func heldEventExitsTwoNamingTheWaitingCondition() throws {
        let result = try CommandLine.run([
            "explain", "--sensors", Repository.root + "/config/sensors/retrain-pipeline.yaml", "--event",
            Repository.root + "/config/events/dataset-ready.json", "--format", "json",
        ])
        #expect(result.status == 2)
        let nearMiss = try JSONCodec.decode(Array(result.output.utf8))["nearMiss"]
        #expect(nearMiss?["reason"] == "condition")
        #expect(nearMiss?["trigger"] == "start-kfp-run")
        #expect(
            nearMiss?["message"]
                == "sensor retrain-pipeline trigger start-kfp-run: dependency dataset-ready took event 0d5e6f7a8b9c4d1e2f3a4b5c6d7e8f90, and the condition 'dataset-ready && code-pushed' waits for more (give each event with --event, in order)"
        )
    }

    /// An event no dependency takes: exit 2, and the hint names the dependency whose source and event name, or
    /// subject, are nearest.
    @Test func unmatchedEventExitsTwoNamingTheNearestSubject() throws {
        let (directory, event) = try Self.event(
            replacing: #""subject":"model-trained""#, with: #""subject":"model-traned""#)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sensors = Repository.root + "/config/sensors"
        let text = try CommandLine.run(["explain", "--sensors", sensors, "--event", event])
        #expect(text.status == 2)
        #expect(
            text.output.hasSuffix(
                "nothing fires; closest: sensor model-promotion dependency model-trained expects eventSourceName 'training' and eventName 'model-trained'; event 7f3c9a52d1e04b8f9a6c2e1d0b4a5f60 has source 'training' and subject 'model-traned'\n"
            ), "\(text.output)")

        let bySubject = try CommandLine.run(
            [
                "explain", "--sensors", sensors, "--event", Self.sample, "--subject", "events.training.model-traind",
                "--format", "json",
            ])
        #expect(bySubject.status == 2)
        let document = try JSONCodec.decode(Array(bySubject.output.utf8))
        #expect(document["nearMiss"]?["reason"] == "subject")
        #expect(document["nearMiss"]?["trigger"] == .null)
        #expect(
            document["nearMiss"]?["message"]
                == "sensor model-promotion dependency model-trained expects subject 'events.training.model-trained'; the events came on 'events.training.model-traind'"
        )
    }

    /// An event that does not decode, or an invalid sensor: exit 1, with nothing but the error on standard error.
    @Test func invalidInputExitsOne() throws {
        let directory = try CommandLine.directory("sg-explain-invalid", files: ["event.json": "{not json"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CommandLine.run(
            [
                "explain", "--sensors", Self.sensor, "--event", directory.appendingPathComponent("event.json").path,
                "--format", "json",
            ], standardError: true)
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.error.hasPrefix("error: "), "\(result.error)")
    }
}
