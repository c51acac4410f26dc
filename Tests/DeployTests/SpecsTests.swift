import Foundation
import Testing

/// specs/events: the envelope schema, one sample event per route as JSON and as MessagePack, and the script that
/// writes the MessagePack from the JSON. (The admin OpenAPI is checked against a running gateway by GatewayTests'
/// AdminAPIConformanceTests; the MessagePack samples through the gateway's own decoder by LocalFilesTests.)
@Suite("specs/events", .serialized)
struct SpecsTests {
    static let checks = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/spec_checks.py").path
    static let schema = "specs/events/schema/event-envelope.schema.json"
    static let samples = "specs/events"
    static let routing = "config/routing.yaml"
    static let useCases = [
        "batch-inference", "complex-dag", "document-ingestion", "hybrid-ml-training", "ml-training", "model-evaluation",
    ]

    static func check(_ arguments: [String]) throws -> Deploy.Result {
        try Deploy.run(try Deploy.python(), [checks] + arguments)
    }

    @Test("every sample event validates against the envelope schema, and its .msgpack is the same event")
    func samplesMatchTheSchema() throws {
        let result = try Self.check(["events", Self.schema, Self.samples, Self.routing])
        #expect(result.status == 0, "\(result.transcript)")
        for useCase in Self.useCases {
            #expect(result.output.contains("ok \(useCase).json: matches the envelope schema\n"), "\(result.transcript)")
            #expect(
                result.output.contains(
                    "ok \(useCase).msgpack: matches the envelope schema and decodes to \(useCase).json's event"),
                "\(result.transcript)")
            #expect(result.output.contains("ok route \(useCase): sample \(useCase).json"), "\(result.transcript)")
        }
    }

    @Test("the committed .msgpack files are what scripts/sample_events_msgpack.py writes from the JSON")
    func messagePackIsRegenerable() throws {
        let result = try Deploy.run(try Deploy.python(), ["scripts/sample_events_msgpack.py", "--check", Self.samples])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == Self.useCases.count)
    }

    /// The checks above pass on the committed files; these show that they fail on a broken sample.
    @Test(
        "the checks report a bad time, a bad extension name, a stale .msgpack, a missing one and a sample of no route")
    func checksCatchBrokenSamples() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "specs-mistakes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = Deploy.root.appendingPathComponent(Self.samples)
        func copy(editing name: String? = nil, _ from: String = "", _ to: String = "") throws -> String {
            let directory = scratch.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in try FileManager.default.contentsOfDirectory(atPath: source.path)
            where file.hasSuffix(".json") || file.hasSuffix(".msgpack") {
                var data = try Data(contentsOf: source.appendingPathComponent(file))
                if file == name {
                    let text = String(decoding: data, as: UTF8.self)
                    #expect(text.contains(from), "\(file) no longer contains \(from)")
                    data = Data(text.replacingOccurrences(of: from, with: to).utf8)
                }
                try data.write(to: directory.appendingPathComponent(file))
            }
            return directory.path
        }

        // A time the gateway cannot parse: the JSON fails the schema, and the .msgpack no longer matches it.
        let time = try Self.check([
            "events", Self.schema,
            try copy(editing: "ml-training.json", #""time": "2026-11-21T14:05:00Z""#, #""time": "21/11/2026 14:05""#),
            Self.routing,
        ])
        #expect(time.status == 1)
        #expect(time.errorLines.count == 2, "\(time.transcript)")
        #expect(
            time.errorLines.first?.hasPrefix("error: ml-training.json: $.time: '21/11/2026 14:05' does not match")
                == true,
            "\(time.transcript)")
        #expect(
            time.errorLines.last
                == #"error: ml-training.msgpack decodes to another event than ml-training.json: $.time: "2026-11-21T14:05:00Z" vs "21/11/2026 14:05" (MessagePack vs JSON; run python3 scripts/sample_events_msgpack.py)"#,
            "\(time.transcript)")

        // Extension attribute names are lower-case letters and digits.
        let extensionName = try Self.check([
            "events", Self.schema,
            try copy(editing: "complex-dag.json", #""subject": "orders","#, #""subject": "orders", "Team": "etl","#),
            Self.routing,
        ])
        #expect(extensionName.status == 1)
        #expect(
            extensionName.errorLines.first
                == "error: complex-dag.json: $: 'Team' does not match '^([a-z0-9]+|data_base64)$'",
            "\(extensionName.transcript)")

        // A sample without its .msgpack, and a sample that names no route.
        let directory = try copy()
        try FileManager.default.removeItem(atPath: directory + "/batch-inference.msgpack")
        try FileManager.default.copyItem(
            atPath: directory + "/complex-dag.json", toPath: directory + "/nightly-etl.json")
        try FileManager.default.copyItem(
            atPath: directory + "/complex-dag.msgpack", toPath: directory + "/nightly-etl.msgpack")
        let incomplete = try Self.check(["events", Self.schema, directory, Self.routing])
        #expect(incomplete.status == 1)
        #expect(
            incomplete.errorLines == [
                "error: batch-inference.msgpack is missing: run python3 scripts/sample_events_msgpack.py",
                "error: nightly-etl.json names no route of config/routing.yaml (samples are named after the route they take)",
            ], "\(incomplete.transcript)")
    }
}
