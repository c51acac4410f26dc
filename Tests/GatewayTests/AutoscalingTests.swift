import Foundation
import Gateway
import SensorModel
import Testing

/// deploy/components/keda scales on the consumers the gateway creates for deploy/base's sensors.
@Suite("KEDA component")
struct AutoscalingTests {
    @Test("the ScaledObject has one nats-jetstream trigger per consumer of deploy/base's sensors, and no other")
    func scaledObjectNamesTheBaseConsumers() throws {
        let sensorsFile = repository.appendingPathComponent("deploy/base/sensors.yaml")
        let catalog = SensorLoader.load(
            text: try String(contentsOf: sensorsFile, encoding: .utf8), file: sensorsFile.path)
        #expect(catalog.findings.isEmpty, "\(catalog.findings)")
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let expected = sensors.subjects.map(SensorSet.durableName(subject:))
        #expect(!expected.isEmpty)

        let scaledObject = try String(
            contentsOf: repository.appendingPathComponent("deploy/components/keda/scaledobject.yaml"), encoding: .utf8)
        let lines = scaledObject.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let consumers = lines.filter { $0.hasPrefix("consumer: ") }.map { String($0.dropFirst("consumer: ".count)) }
        #expect(consumers.sorted() == expected.sorted())
        #expect(lines.filter { $0 == "- type: nats-jetstream" }.count == expected.count)
        #expect(lines.contains("stream: EVENTS"))
    }
}
