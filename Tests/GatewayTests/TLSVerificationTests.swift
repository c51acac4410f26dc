import ConfigReader
import EventModel
import Foundation
import Gateway
import LocalFiles
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import Testing
import Triggers

/// Security: TLS verification is on by default. The gateway's own configuration (`argo.server`, `argo.tls.ca`), turned
/// into trigger settings as `run` does, sends an Argo submit to a loopback HTTPS server whose certificate is
/// self-signed (made with openssl): refused without its CA, accepted with it (the server then answers 404,
/// since it is no Argo Server — the answer proves the TLS handshake went through).
@Suite(.serialized)
struct TLSVerificationTests {
    /// Submits through a gateway configured by `argo` (the YAML of the `argo:` section).
    static func submit(argo: String) async throws -> TriggerOutcome {
        let configuration = try GatewayConfiguration.parse("argo: \(argo)\n", file: "gateway.yaml", environment: [:])
        let executor = try TriggerExecutor(
            configuration: configuration.triggerConfiguration(routing: nil, publisher: nil, log: { _ in }))
        // The inline-Workflow trigger of the secrets test's sensor (the server URL comes from the configuration).
        let catalog = SensorLoader.load(text: SecretLeakTests.sensor(base: "http://127.0.0.1:9"), file: "tls.yaml")
        let sensor = try #require(catalog.sensors.first, "\(catalog.findings)")
        let trigger = try #require(sensor.triggers.first { $0.name == "workflow" })
        let event = Event(id: "tls-1", source: "shop", type: "order", subject: "order", data: .map(["message": "m"]))
        let outcome = await executor.execute(trigger, sensor: sensor, events: ["d": event])
        await executor.shutdown()
        return outcome
    }

    @Test func selfSignedServerIsRefusedUnlessItsCAIsGiven() async throws {
        let files = try SelfSignedCertificate()
        defer { files.remove() }
        let server = try HTTPTestServer(tls: files)
        let url = server.url("")

        let defaults = try GatewayConfiguration.parse(
            "argo: {server: \"\(url)\"}\n", file: "gateway.yaml", environment: [:])
        #expect(defaults.argo.insecureSkipVerify == false)
        #expect(defaults.argo.tls == nil)

        // The outcomes name the URL, whose port may hold the digits 404.
        let withoutPort = { (outcome: TriggerOutcome) in
            "\(outcome)".replacingOccurrences(of: ":\(server.port)", with: ":<port>")
        }
        let refused = try await Self.submit(argo: "{server: \"\(url)\", namespace: argo}")
        #expect(refused.label != "succeeded")
        #expect(
            withoutPort(refused).lowercased().contains("certificate") || withoutPort(refused).contains("TLS"),
            "\(refused)")
        #expect(!withoutPort(refused).contains("404"), "no request may reach an unverified server: \(refused)")

        let trusted = try await Self.submit(
            argo: "{server: \"\(url)\", namespace: argo, tls: {ca: \"\(files.certificate)\"}}")
        #expect(
            withoutPort(trusted).contains("404"),
            "with argo.tls.ca the handshake succeeds and the server answers: \(trusted)")
        #expect(!withoutPort(trusted).lowercased().contains("certificate"), "\(trusted)")
    }
}
