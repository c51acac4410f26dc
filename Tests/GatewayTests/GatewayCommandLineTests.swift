import EventModel
import Foundation
import Gateway
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// `publish` and `provision` of the built binary against a real nats-server.
@Suite(
    .serialized, .timeLimit(.minutes(2)),
    .natsServer, .gatewayBinary)
struct GatewayCommandLineTests {
    /// Runs the binary; returns its exit status and standard output.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = GatewayProcess.executable
        process.arguments = arguments
        process.currentDirectoryURL = repository
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    /// `provision` creates the streams, the bucket and one consumer per dependency subject of config/sensors;
    /// `publish` sends a sample event (structured) and a data-only event (binary mode) that decode back to what was
    /// given, with the event id as `Nats-Msg-Id` (a second publish of the same id is a duplicate).
    @Test func provisionAndPublish() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let (provisioned, provisionOutput) = try Self.run(
            ["provision", "--config", "config/gateway.yaml"], environment: ["NATS_URL": server.url])
        #expect(provisioned == 0)
        #expect(provisionOutput.contains("stream EVENTS: created"))
        #expect(provisionOutput.contains("kv bucket sensor-gateway-correlations: created"))
        #expect(
            provisionOutput.contains("consumer EVENTS/\(SensorSet.durableName(subject: "events.git.push")): created"))
        #expect(!provisionOutput.contains("EVENTS/sensor-gateway:"))

        let sample = repository.appendingPathComponent("config/events/model-trained.json").path
        let (published, publishOutput) = try Self.run(
            ["publish", "--server", server.url, "--subject", "events.training.model-trained", "--file", sample])
        #expect(published == 0)
        #expect(publishOutput == "stream EVENTS sequence 1\n")
        let (again, againOutput) = try Self.run(
            ["publish", "--server", server.url, "--subject", "events.training.model-trained", "--file", sample])
        #expect(again == 0)
        #expect(againOutput.contains("(duplicate)"))
        let (binary, binaryOutput) = try Self.run(
            [
                "publish", "--server", server.url, "--subject", "events.git.push", "--binary-mode", "--id", "b-1",
                "--data", #"{"body": {"ref": "refs/heads/main"}}"#,
            ])
        #expect(binary == 0)
        #expect(binaryOutput == "stream EVENTS sequence 2\n")

        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let messages = try await connection.readStream("EVENTS", expecting: 2)
        #expect(messages.count == 2)
        let structured = try #require(messages.first)
        #expect(structured.header("Nats-Msg-Id") == "7f3c9a52d1e04b8f9a6c2e1d0b4a5f60")
        #expect(structured.header("content-type") == "application/cloudevents+msgpack")
        let event = try CloudEventCodec.decode(
            payload: structured.data, headers: ["content-type": "application/cloudevents+msgpack"])
        #expect(event.id == "7f3c9a52d1e04b8f9a6c2e1d0b4a5f60")
        #expect(event.data?["body"]?["model_name"] == "Churn-XGB")
        let last = try #require(messages.last)
        #expect(last.header("ce-id") == "b-1")
        #expect(last.header("ce-source") == "git")
        #expect(last.header("ce-subject") == "push")
        #expect(last.header("content-type") == "application/msgpack")
        let headers = last.headers.compactMapValues(\.first)
        let decoded = try CloudEventCodec.decode(payload: last.data, headers: headers)
        #expect(decoded.data?["body"]?["ref"] == "refs/heads/main")
        await connection.close()
    }

    /// `publish`, `provision`, `dlq` and `run` reach a server that wants a token over TLS with a private CA, through
    /// the same options (`--token-file`, `--tls-ca`) and environment variables (`NATS_TOKEN`, `NATS_CA`, `NATS_URL`);
    /// without them they are refused. `run` applies its options again when it reloads.
    @Test func natsOptionsReachATokenAndTLSServer() async throws {
        let certificate = try SelfSignedCertificate()
        defer { certificate.remove() }
        let server = try NATSServerProcess.start(arguments: [
            "--auth", "s3cret-token", "--tls", "--tlscert", certificate.certificate, "--tlskey", certificate.key,
        ])
        defer { server.stop() }
        let tokenFile = certificate.directory.appendingPathComponent("token").path
        try "s3cret-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let environment = ["NATS_URL": server.url, "NATS_TOKEN": "s3cret-token", "NATS_CA": certificate.certificate]
        let publish = ["publish", "--server", server.url, "--subject", "events.git.push", "--data", "{}"]

        let (untrusted, _) = try Self.run(publish + ["--id", "p-0", "--token-file", tokenFile])
        #expect(untrusted == 1, "the server's certificate is not trusted without its CA")
        let (anonymous, _) = try Self.run(publish + ["--id", "p-0", "--tls-ca", certificate.certificate])
        #expect(anonymous == 1, "no token")

        let (provisioned, provisionOutput) = try Self.run(
            ["provision", "--config", "config/gateway.yaml"], environment: environment)
        #expect(provisioned == 0)
        #expect(provisionOutput.contains("stream EVENTS: created"))
        let (byOptions, byOptionsOutput) = try Self.run(
            publish + ["--id", "p-1", "--token-file", tokenFile, "--tls-ca", certificate.certificate])
        #expect(byOptions == 0)
        #expect(byOptionsOutput == "stream EVENTS sequence 1\n")
        let (byEnvironment, byEnvironmentOutput) = try Self.run(
            ["publish", "--subject", "events.git.push", "--data", "{}", "--id", "p-2"], environment: environment)
        #expect(byEnvironment == 0)
        #expect(byEnvironmentOutput == "stream EVENTS sequence 2\n")
        let (listed, listOutput) = try Self.run(["dlq", "list"], environment: environment)
        #expect(listed == 0)
        #expect(listOutput == "0 dead letters in DLQ\n")

        let workspace = try GatewayWorkspace(
            natsURL: "nats://127.0.0.1:1", sensors: ["pair.yaml": GatewayEndToEndTests.pair],
            environment: ["NATS_CA": certificate.certificate])
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace, arguments: ["--server", server.url, "--token-file", tokenFile])
        try await gateway.waitUntilReady()
        // A reload reads the file again with the same options: no `nats.urls changed` warning.
        let config = try String(contentsOfFile: workspace.configPath, encoding: .utf8)
        try (config + "# touched\n").write(toFile: workspace.configPath, atomically: true, encoding: .utf8)
        try await gateway.eventually("the configuration to be reloaded") {
            await gateway.metric(#"sensor_gateway_config_reloads_total{outcome="success"}"#) >= 1
        }
        #expect(!gateway.logText.contains("nats.urls changed"), "\(gateway.logText)")
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }

    /// `run` with an invalid configuration exits 1 before starting anything.
    @Test func runRejectsInvalidConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("gateway.yaml").path
        try "nats:\n  urls: []\n".write(toFile: config, atomically: true, encoding: .utf8)
        let (status, _) = try Self.run(["run", "--config", config])
        #expect(status == 1)
    }
}
