import EventModel
import Foundation
import Gateway
import ConfigReader
import LocalFiles
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import Testing
import Triggers

/// Security: TLS verification is on by default. The gateway's own configuration (`argo.server`, `argo.tls.ca`), turned
/// into trigger settings as `run` does, sends an Argo submit to a loopback HTTPS server whose certificate is
/// self-signed (made here with openssl): refused without its CA, accepted with it (the server then answers 404,
/// since it is no Argo Server — the answer proves the TLS handshake went through).
@Suite(.serialized)
struct TLSVerificationTests {
    /// The loopback HTTPS server of the HTTPTransport tests (`Support/http_test_server.py --cert --key`).
    static func httpsServer(certificate: String, key: String) throws -> PythonTestServer {
        try PythonTestServer(
            script: repository.appendingPathComponent("Tests/HTTPTransportTests/Support/http_test_server.py").path,
            arguments: ["--cert", certificate, "--key", key])
    }

    /// A self-signed certificate for 127.0.0.1 in a temporary directory: (certificate, key, directory).
    static func makeCertificate() throws -> (certificate: String, key: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-gw-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("argo.crt").path
        let key = directory.appendingPathComponent("argo.key").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
            "1", "-subj", "/CN=argo-server-test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
            "-out", certificate,
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw HarnessFailure(description: "openssl could not make a test certificate (`make deps` installs openssl)")
        }
        return (certificate, key, directory)
    }

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
        let files = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let server = try Self.httpsServer(certificate: files.certificate, key: files.key)
        let url = "https://127.0.0.1:\(server.port)"

        let defaults = try GatewayConfiguration.parse("argo: {server: \"\(url)\"}\n", file: "gateway.yaml", environment: [:])
        #expect(defaults.argo.insecureSkipVerify == false)
        #expect(defaults.argo.tls == nil)

        let refused = try await Self.submit(argo: "{server: \"\(url)\", namespace: argo}")
        #expect(refused.label != "succeeded")
        #expect("\(refused)".lowercased().contains("certificate") || "\(refused)".contains("TLS"), "\(refused)")
        #expect(!"\(refused)".contains("404"), "no request may reach an unverified server: \(refused)")

        let trusted = try await Self.submit(argo: "{server: \"\(url)\", namespace: argo, tls: {ca: \"\(files.certificate)\"}}")
        #expect("\(trusted)".contains("404"), "with argo.tls.ca the handshake succeeds and the server answers: \(trusted)")
        #expect(!"\(trusted)".lowercased().contains("certificate"), "\(trusted)")
    }
}
