import EventModel
import Foundation
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// `specs/events/<use case>.msgpack` (written from the JSON by `scripts/sample_events_msgpack.py`): the gateway's own
/// decoder reads it as the same event as its JSON, and the shipped matrix routes it to the same row.
struct SampleEventFileTests {
    static let repository = Repository.root

    @Test(arguments: ShippedRouting.table.map(\.useCase))
    func messagePackSampleIsTheJSONEvent(useCase: String) throws {
        let json = try EventFile.load(path: Self.repository + "/specs/events/\(useCase).json")
        let messagePack = try EventFile.load(path: Self.repository + "/specs/events/\(useCase).msgpack")
        #expect(messagePack == json)
        // Not a JSON file under another name: the payload is a MessagePack map (fixmap or map16 header).
        let bytes = try #require(
            FileManager.default.contents(atPath: Self.repository + "/specs/events/\(useCase).msgpack"))
        #expect(bytes.first.map { (0x80...0x8f).contains($0) || $0 == 0xde } == true)
        let row = try #require(ShippedRouting.table.first { $0.useCase == useCase })
        let decision = try ShippedRouting.shippedMatrix().route(messagePack)
        #expect(decision.route == useCase)
        #expect(decision.target == row.target)
    }

    /// The comparison above can fail: one changed value makes the events differ.
    @Test func aChangedValueIsADifferentEvent() throws {
        let path = Self.repository + "/specs/events/ml-training.msgpack"
        var bytes = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        // "churn-xgb" (the subject) becomes "churn-xgc".
        let needle = Array("churn-xgb".utf8)
        let start = try #require(
            (0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes[start + needle.count - 1] = UInt8(ascii: "c")
        let changed = try CloudEventCodec.decode(payload: bytes)
        #expect(changed != (try EventFile.load(path: Self.repository + "/specs/events/ml-training.json")))
        #expect(changed.subject == "churn-xgc")
    }
}
