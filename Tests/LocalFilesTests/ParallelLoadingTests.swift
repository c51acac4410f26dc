import ConfigReader
import Foundation
import LocalFiles
import SensorModel
import Testing

/// `SensorFiles.load` decodes the files on every core: its catalog must be the one that decoding the files one after
/// the other, in name order, gives (the sensors and their order, the duplicates rejected, every finding).
struct ParallelLoadingTests {
    static func sensor(_ name: String, filter: String = #"{path: ok, type: bool, value: ["false"]}"#) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: \(name)}
        spec:
          dependencies:
            - {name: upload, eventSourceName: files, eventName: upload, filters: {data: [\(filter)]}}
          triggers:
            - template: {name: note, log: {}}

        """
    }

    /// Valid sensors, invalid ones, names repeated across files, YAML syntax errors, several documents in a file,
    /// other kinds, and a file that is not UTF-8.
    static func files() -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for index in 0..<240 {
            let name = String(format: "s-%03d.yaml", index)
            let text: String
            switch index % 8 {
            case 1: text = sensor("dup-\(index % 24)")
            case 2: text = sensor("bad-\(index)", filter: #"{path: ok, type: bool, value: ["maybe"]}"#)
            case 3: text = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: [broken\n"
            case 4: text = sensor("multi-\(index)") + "---\n" + sensor("multi-\(index)-b") + "---\n" + sensor("dup-1")
            case 5: text = "kind: ConfigMap\nmetadata: {name: other-\(index)}\n"
            case 6: text = sensor("unknown-\(index)").replacingOccurrences(of: "eventName:", with: "evntName:")
            default: text = sensor("sensor-\(index)")
            }
            files[name] = Array(text.utf8)
        }
        files["s-100.yaml"] = [0x6B, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]
        files["empty.yml"] = []
        return files
    }

    /// What the catalog says, in order.
    static func describe(_ catalog: SensorCatalog) -> String {
        let report = ValidationReport(catalog: catalog)
        return [
            catalog.files.joined(separator: "\n"),
            catalog.sensors.map { "\($0.name) \($0.location)" }.joined(separator: "\n"),
            catalog.rejected.map { "\($0.file) \($0.name ?? "-") \($0.findings.count)" }.joined(separator: "\n"),
            report.render(includeWarnings: true), report.json(includeWarnings: true),
        ].joined(separator: "\n====\n")
    }

    @Test func theCatalogIsTheOneOfLoadingOneFileAfterTheOther() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = Self.files()
        for (name, bytes) in files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }

        var sequential = SensorCatalog()
        for name in files.keys.sorted() {
            let file = directory.path + "/" + name
            if let text = String(validating: files[name] ?? [], as: UTF8.self) {
                sequential.merge(SensorLoader.load(text: text, file: file, argoTemplates: nil))
            } else {
                let findings = ConfigurationError(file: file, "cannot read file: x").findings
                var unreadable = SensorCatalog()
                unreadable.files = [file]
                unreadable.findings = findings
                unreadable.rejected = [RejectedSensor(file: file, name: nil, findings: findings)]
                sequential.merge(unreadable)
            }
        }
        sequential.finish()
        #expect(sequential.sensors.count > 100)
        #expect(sequential.rejected.contains { $0.name == "dup-1" })

        let expected = Self.describe(sequential)
        for _ in 0..<5 {
            let loaded = SensorFiles.load(paths: [directory.path])
            // The message of a read error is Foundation's; everything else is compared as it is.
            let described = Self.describe(loaded).replacingOccurrences(
                of: #"cannot read file: [^"\n]*"#, with: "cannot read file: x", options: .regularExpression)
            #expect(described == expected)
        }
    }
}
