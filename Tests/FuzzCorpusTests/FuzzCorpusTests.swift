import ConfigReader
import EventModel
import Foundation
import FuzzHarness
import JQProgram
import LuaScript
import SensorEngine
import SensorLanguage
import SensorModel
import Testing

/// Replays the committed fuzz corpus (`Fuzz/corpus/<target>/`, seeds from `scripts/fuzz_seeds.py` plus what the
/// fuzzers found worth keeping, and the inputs of crashes fixed since) through the fuzz targets in the normal build, so
/// `make test` checks every input libFuzzer ever kept without a sanitizer toolchain. `make chaos` runs the fuzzers.
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus").path

    /// The corpus files of one target; an empty or missing directory is a failure, not a pass.
    static func inputs(_ target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let directory = corpus + "/" + target.rawValue
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        return try names.map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            return (name, [UInt8](data))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplaysWithoutViolations(target: FuzzTarget) throws {
        let inputs = try Self.inputs(target)
        #expect(
            inputs.count >= 10, "Fuzz/corpus/\(target.rawValue) has \(inputs.count) inputs; run scripts/fuzz_seeds.py")
        for input in inputs {
            do {
                try target.run(input.bytes)
            } catch {
                Issue.record("Fuzz/corpus/\(target.rawValue)/\(input.name): \(error.description)")
            }
        }
    }

    /// The seeds (`seed-*`, from `scripts/fuzz_seeds.py`) reach past the parsers' first byte: a good share of them
    /// parses, so the fuzzers start from valid inputs and the replay above checks the round-trip invariants, not
    /// only the rejections.
    @Test(arguments: FuzzTarget.allCases)
    func seedsHoldValidInputs(target: FuzzTarget) throws {
        let inputs = try Self.inputs(target).filter { $0.name.hasPrefix("seed-") }
        #expect(inputs.count >= 10, "Fuzz/corpus/\(target.rawValue) has \(inputs.count) seeds")
        let valid = inputs.filter { input in
            let text = String(decoding: input.bytes, as: UTF8.self)
            switch target {
            case .messagePack:
                let payload = Array(input.bytes.dropFirst())
                return (try? MessagePackCodec.decode(payload)) != nil || (try? JSONCodec.decode(payload)) != nil
            case .expression:
                return (try? FilterExpression.parse(text)) != nil || (try? ConditionExpression.parse(text)) != nil
            case .path: return (try? GJSONPath(text)) != nil
            case .sensorYAML: return !SensorLoader.load(text: text, file: input.name).sensors.isEmpty
            case .regex: return (try? TextPattern(String(text.prefix { $0 != "\0" }))) != nil
            case .lua:
                return (try? LuaScript(source: FuzzTarget.programAndData(input.bytes).program, name: "seed")) != nil
            case .jq: return (try? JQProgram(source: FuzzTarget.programAndData(input.bytes).program)) != nil
            }
        }
        #expect(valid.count * 3 >= inputs.count, "only \(valid.count) of \(inputs.count) inputs parse")
    }
}
