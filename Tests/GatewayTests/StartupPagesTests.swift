import Foundation
import Testing

@testable import Gateway

/// Once ready, the gateway gives back the pages of its binary that only start-up needed.
@Suite struct StartupPagesTests {
    /// Of the binary's mappings, the readable private ones without an anonymous page: not the relocated data (a
    /// private copy), the writable data, a shared mapping or another file's.
    @Test func releasesTheBinarysReadOnlyMappingsOnly() {
        let binary = "/usr/local/bin/sensor-gateway"
        let smaps = """
            55d000000000-55d000900000 r--p 00000000 fd:01 1234                       \(binary)
            Size:               9216 kB
            Rss:                3300 kB
            Anonymous:             0 kB
            VmFlags: rd mr mw me dw sd
            55d000900000-55d002900000 r-xp 00900000 fd:01 1234                       \(binary)
            Size:              32768 kB
            Anonymous:             0 kB
            55d002900000-55d002a00000 r--p 02900000 fd:01 1234                       \(binary)
            Size:               1024 kB
            Anonymous:           980 kB
            55d002a00000-55d002b00000 rw-p 02a00000 fd:01 1234                       \(binary)
            Anonymous:             0 kB
            7f0000000000-7f0000100000 r-xp 00000000 fd:01 99                         /usr/lib/x86_64-linux-gnu/libnats.so.3.4.1
            Anonymous:             0 kB
            7f0000200000-7f0000300000 r--s 00000000 fd:01 1234                       \(binary)
            Anonymous:             0 kB
            7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
            Anonymous:           132 kB
            """
        #expect(
            StartupPages.releasableMappings(of: binary, smaps: smaps) == [
                .init(start: 0x55d0_0000_0000, end: 0x55d0_0090_0000),
                .init(start: 0x55d0_0090_0000, end: 0x55d0_0290_0000),
            ])
        #expect(StartupPages.releasableMappings(of: "/other/binary", smaps: smaps).isEmpty)
    }

    /// The gateway logs the release with its resident memory before and after, and `/metrics` then reports less than
    /// before. It runs a copy of the binary of its own, beside the built one (a temporary directory may be a tmpfs,
    /// whose pages the kernel does not page out without swap): the kernel keeps the pages other processes map, and
    /// other tests run gateways from the same file.
    @Test func readyGatewayGivesBackItsStartupPages() async throws {
        try await GatewayEndToEndTests.withServer(sensors: ["single.yaml": GatewayEndToEndTests.single]) {
            _, workspace in
            let copy = GatewayProcess.executable.deletingLastPathComponent()
                .appendingPathComponent("sensor-gateway-startup-pages-\(UUID().uuidString.prefix(8))")
            try FileManager.default.copyItem(at: GatewayProcess.executable, to: copy)
            defer { try? FileManager.default.removeItem(at: copy) }
            // Written back first: the kernel does not reclaim a page still to be written.
            let file = open(copy.path, O_RDONLY)
            #expect(file >= 0 && fsync(file) == 0)
            close(file)
            let gateway = try GatewayProcess(workspace, executable: copy)
            try await gateway.waitUntilReady()
            var line: [String: Any] = [:]
            try await gateway.eventually("the release to be logged") {
                line = Self.logLine(gateway.logText, message: "released the start-up pages of the binary") ?? [:]
                return !line.isEmpty
            }
            let figures = try #require(line["residentMB"] as? String).split(separator: " → ").compactMap {
                Double($0)
            }
            try #require(figures.count == 2, "residentMB: \(line)")
            #expect(figures[1] < figures[0] - 1, "residentMB: \(line)")
            let resident = await gateway.metric("process_resident_memory_bytes") / 1_000_000
            #expect(resident < figures[0], "resident \(resident) MB now, \(figures[0]) MB before the release")
            try await GatewayEndToEndTests.stop(gateway)
        }
    }

    /// The JSON log line whose `message` is `message`.
    private static func logLine(_ log: String, message: String) -> [String: Any]? {
        for line in log.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["message"] as? String == message
            else { continue }
            return object
        }
        return nil
    }
}
