import EventModel
import Foundation
import JetStream
import JetStreamTesting
import Testing

/// The event sources of the built `sensor-gateway run` against a real nats-server: curl posts to `POST /v1/events`
/// (MessagePack bodies made by Python's msgpack), schedules tick into JetStream, triggers land in the outbox.
@Suite(
    "Event sources end to end", .serialized, .timeLimit(.minutes(3)),
    .enabled(if: NATSServerProcess.executablePath != nil && FileManager.default.fileExists(atPath: GatewayProcess.executable.path)))
struct EventSourcesEndToEndTests {
    static let token = "t0ken-\(UUID().uuidString)"

    /// The sample events of `specs/events`, parsed.
    static func samples() throws -> [[String: Any]] {
        try ShippedSamples.useCases.map { useCase in
            let data = try Data(contentsOf: repository.appendingPathComponent("specs/events/\(useCase).json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }

    /// A dependency on `events.<source>.workload-requested` per source of the samples (the event name `make demo`
    /// publishes them under) and one Argo trigger (outbox) that any of them fires.
    static func sensor(sources: [String]) -> String {
        var text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: from-http}
            spec:
              dependencies:

            """
        for (index, source) in sources.enumerated() {
            text += "    - {name: d\(index), eventSourceName: \(source), eventName: workload-requested}\n"
        }
        text += """
              triggers:
                - template:
                    name: run
                    conditions: "\(sources.indices.map { "d\($0)" }.joined(separator: " || "))"
                    argoWorkflow:
                      operation: submit
                      source:
                        resource:
                          apiVersion: argoproj.io/v1alpha1
                          kind: Workflow
                          metadata: {generateName: run-}
                          spec: {workflowTemplateRef: {name: run}}

            """
        return text
    }

    /// A gateway workspace whose config gets `sources` appended.
    static func workspace(natsURL: String, sensors: [String: String], sources: String) throws -> GatewayWorkspace {
        let workspace = try GatewayWorkspace(natsURL: natsURL, sensors: sensors)
        let config = try String(contentsOfFile: workspace.configPath, encoding: .utf8)
        try (config + sources).write(toFile: workspace.configPath, atomically: true, encoding: .utf8)
        return workspace
    }

    /// The event ids the outbox records fired with.
    static func firedIDs(_ workspace: GatewayWorkspace) -> [String] {
        workspace.outboxRecords().values.flatMap { (($0["events"] as? [String: String]) ?? [:]).values }
    }

    /// The HTTP endpoint end to end: every sample event, in structured, binary (JSON and MessagePack) and plain
    /// form, is answered 202 with its stream sequence and fires its trigger; the same id again is stored and fired
    /// once; bad requests get their 4xx and reason; NATS down gets 503 and the event never fires.
    @Test func httpEventsReachTheirTriggers() async throws {
        let samples = try Self.samples()
        let sources = Array(Set(samples.compactMap { $0["source"] as? String })).sorted()
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let port = try NATSServerProcess.freeLoopbackPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token")
        try (Self.token + "\n").write(to: tokenFile, atomically: true, encoding: .utf8)
        let workspace = try Self.workspace(
            natsURL: server.url, sensors: ["from-http.yaml": Self.sensor(sources: sources)],
            sources: "sources:\n  http: {listen: \"127.0.0.1:\(port)\", tokenFile: \(tokenFile.path), maxBodyBytes: 8192}\n")
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        let client = Curl(url: "http://127.0.0.1:\(port)/v1/events", token: Self.token)
        let name = ["name": "workload-requested"]

        // Each sample in one of the four forms, named by ?name= (their subject attributes are file paths and models).
        var expectedIDs: [String] = []
        for (index, sample) in samples.enumerated() {
            let id = try #require(sample["id"] as? String)
            let answer: Curl.Answer
            switch index % 4 {
            case 0:
                answer = try client.post(
                    body: try JSONSerialization.data(withJSONObject: sample),
                    headers: ["Content-Type": "application/cloudevents+json"], query: name)
            case 1:
                answer = try client.post(
                    body: try JSONSerialization.data(withJSONObject: try #require(sample["data"])),
                    headers: Self.binaryHeaders(sample).merging(["Content-Type": "application/json"]) { $1 }, query: name)
            case 2:
                answer = try client.post(
                    body: try Self.messagePack(try #require(sample["data"])),
                    headers: Self.binaryHeaders(sample).merging(["Content-Type": "application/msgpack"]) { $1 }, query: name)
            default:
                let query = [
                    "source": sample["source"], "type": sample["type"], "subject": sample["subject"], "id": sample["id"],
                ].compactMapValues { $0 as? String }
                answer = try client.post(
                    body: try JSONSerialization.data(withJSONObject: try #require(sample["data"])),
                    headers: ["Content-Type": "application/json"], query: query.merging(name) { $1 })
            }
            #expect(answer.status == 202, "sample \(index): \(answer.body)")
            let body = try answer.json()
            #expect(body["stream"] as? String == "EVENTS")
            #expect((body["sequence"] as? Int ?? 0) == index + 1)
            #expect(body["duplicate"] as? Bool == false)
            #expect(body["subject"] as? String == "events.\(sample["source"] as? String ?? "").workload-requested")
            expectedIDs.append(id)
        }
        // Without ?name=, the subject attribute names the event.
        var named = samples[0]
        named["id"] = "named-by-subject"
        named["subject"] = "workload-requested"
        let byAttribute = try client.post(
            body: try JSONSerialization.data(withJSONObject: named), headers: ["Content-Type": "application/cloudevents+json"])
        #expect(byAttribute.status == 202, "\(byAttribute.body)")
        #expect(try byAttribute.json()["subject"] as? String == "events.ml-platform.workload-requested")
        expectedIDs.append("named-by-subject")
        try await gateway.eventually("every sample to fire its trigger") {
            Self.firedIDs(workspace).sorted() == expectedIDs.sorted()
        }

        // The same id again: 202, a duplicate of the stored sequence, no second firing.
        let again = try client.post(
            body: try JSONSerialization.data(withJSONObject: samples[0]), headers: ["Content-Type": "application/cloudevents+json"],
            query: name)
        #expect(again.status == 202)
        #expect(try again.json()["duplicate"] as? Bool == true)
        #expect(try again.json()["sequence"] as? Int == 1)

        // Bad requests: the status and the reason a client sees.
        let structured = ["Content-Type": "application/cloudevents+json"]
        let bad: [(String, Curl.Answer, Int, String)] = [
            ("malformed JSON", try client.post(body: Data(#"{"specversion":"1.0","id":"#.utf8), headers: structured), 400, "truncated"),
            ("wrong content type", try client.post(body: Data("hello".utf8), headers: ["Content-Type": "text/plain"]), 415,
                "unsupported_media_type"),
            ("oversize body", try client.post(body: Data(repeating: 0x20, count: 9000), headers: structured), 413,
                "payload_too_large"),
            ("missing id", try client.post(
                body: Data(#"{"specversion":"1.0","source":"ml-platform","type":"t","subject":"x"}"#.utf8), headers: structured),
                400, "missing_attribute"),
            ("missing type", try client.post(
                body: Data(#"{"specversion":"1.0","id":"no-type","source":"ml-platform","subject":"x"}"#.utf8),
                headers: structured), 400, "missing_attribute"),
            ("missing subject", try client.post(
                body: Data(#"{"specversion":"1.0","id":"no-subject","source":"ml-platform","type":"t"}"#.utf8),
                headers: structured), 400, "missing_subject"),
            ("subject not a token", try client.post(
                body: try JSONSerialization.data(withJSONObject: samples[2]), headers: structured), 400, "invalid_subject"),
            ("no token", try Curl(url: client.url, token: nil).post(body: Data(), headers: structured), 401, "unauthorized"),
            ("wrong token", try Curl(url: client.url, token: "nope").post(body: Data(), headers: structured), 401,
                "unauthorized"),
        ]
        for (what, answer, status, reason) in bad {
            #expect(answer.status == status, "\(what): \(answer.body)")
            let body = try answer.json()
            #expect(body["error"] as? String == reason, "\(what): \(answer.body)")
            #expect(!((body["detail"] as? String) ?? "").isEmpty, "\(what)")
        }
        #expect(bad[3].1.body.contains(#"\"id\""#), "the missing attribute is named: \(bad[3].1.body)")
        #expect(bad[4].1.body.contains(#"\"type\""#), "the missing attribute is named: \(bad[4].1.body)")
        #expect(await gateway.metric(#"sensor_gateway_events_accepted_total{source="http"}"#) == 8)
        #expect(await gateway.metric(#"sensor_gateway_events_rejected_total{source="http",reason="unauthorized"}"#) == 2)
        #expect(await gateway.metric(#"sensor_gateway_events_rejected_total{source="http",reason="payload_too_large"}"#) == 1)
        let status = try #require(await gateway.get("/status"))
        #expect(status.body.contains(#""eventSources""#))
        #expect(status.body.contains(#""authentication":"bearer""#))
        #expect(!gateway.logText.contains(Self.token), "the token is never logged")

        // NATS down: 503, and the event never fires once NATS is back.
        server.kill()
        try await gateway.eventually("the gateway to see NATS down") { await gateway.get("/readyz")?.status == 503 }
        var down = samples[1]
        down["id"] = "posted-while-down"
        let refused = try client.post(body: try JSONSerialization.data(withJSONObject: down), headers: structured, query: name)
        #expect(refused.status == 503, "\(refused.body)")
        #expect(try refused.json()["error"] as? String == "nats_unavailable")
        let restarted = try server.restarted()
        defer { restarted.stop() }
        try await gateway.waitUntilReady(timeout: .seconds(60))
        var after = samples[1]
        after["id"] = "posted-after-outage"
        let accepted = try client.post(body: try JSONSerialization.data(withJSONObject: after), headers: structured, query: name)
        #expect(accepted.status == 202, "\(accepted.body)")
        try await gateway.eventually("the event after the outage to fire") {
            Self.firedIDs(workspace).contains("posted-after-outage")
        }
        #expect(!Self.firedIDs(workspace).contains("posted-while-down"))
        #expect(Self.firedIDs(workspace).count == samples.count + 2, "the repeated id fired once")
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }

    /// A one-second schedule on two replicas for 5 s: one stored event per tick (5 ± 1), though both replicas
    /// publish every tick.
    @Test func scheduleTicksOncePerTickAcrossReplicas() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let sources = """
            sources:
              schedules:
                - name: every-second
                  interval: 1s
                  event: {type: com.acme.tick, source: schedules, subject: tick, data: {kind: heartbeat}}

            """
        let first = try Self.workspace(natsURL: server.url, sensors: [:], sources: sources)
        defer { first.remove() }
        let second = try Self.workspace(natsURL: server.url, sensors: [:], sources: sources)
        defer { second.remove() }
        let replicas = [try GatewayProcess(first), try GatewayProcess(second)]
        for replica in replicas { try await replica.waitUntilReady() }
        let accepted = #"sensor_gateway_events_accepted_total{source="schedule:every-second"}"#
        for replica in replicas {
            try await replica.eventually("the replica to publish a tick") { await replica.metric(accepted) >= 1 }
        }
        let start = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(5))
        let end = Date().timeIntervalSince1970
        var published: [Double] = []
        for replica in replicas {
            published.append(await replica.metric(accepted))
            replica.send(SIGTERM)
            #expect(try await replica.waitForExit() == 0)
        }

        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let messages = try await connection.readStream("EVENTS", expecting: 100)
        await connection.close()
        #expect(!messages.isEmpty && messages.allSatisfy { $0.subject == "events.schedules.tick" })
        let events = try messages.map { try CloudEventCodec.decode(payload: $0.data) }
        #expect(Set(events.map(\.id)).count == events.count, "each tick stored once")
        #expect(events.allSatisfy { $0.type == "com.acme.tick" && $0.data == ["kind": "heartbeat"] })
        let ticks = events.compactMap(\.time).map(\.seconds).sorted()
        let inWindow = ticks.filter { Double($0) >= start && Double($0) < end }
        #expect((4...6).contains(inWindow.count), "ticks in 5 s: \(inWindow)")
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $1 - $0 == 1 }, "one event per second, none missing: \(ticks)")
        for (index, count) in published.enumerated() {
            #expect(count >= Double(ticks.count - 2), "replica \(index) published \(count) of \(ticks.count) ticks")
        }
    }

    static func binaryHeaders(_ sample: [String: Any]) -> [String: String] {
        var headers: [String: String] = [:]
        for name in ["specversion", "id", "source", "type", "subject", "time"] {
            if let value = sample[name] as? String { headers["ce-\(name)"] = value }
        }
        return headers
    }

    /// `value` as MessagePack, encoded by Python's msgpack (a third-party encoder).
    static func messagePack(_ value: Any) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import json, sys, msgpack; sys.stdout.buffer.write(msgpack.packb(json.load(sys.stdin)))",
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: value))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else {
            throw HarnessFailure(description: "python3 msgpack failed (make deps installs it)")
        }
        return data
    }
}

/// curl as the third-party HTTP client.
struct Curl {
    /// A response.
    struct Answer {
        let status: Int
        let body: String

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                throw HarnessFailure(description: "not a JSON object: \(body)")
            }
            return object
        }
    }

    let url: String
    let token: String?

    /// POSTs `body` with `headers` (and the bearer token) to `url` with `query`.
    func post(body: Data, headers: [String: String], query: [String: String] = [:]) throws -> Answer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sg-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bodyFile = directory.appendingPathComponent("body")
        let answerFile = directory.appendingPathComponent("answer")
        try body.write(to: bodyFile)
        var components = URLComponents(string: url)
        if !query.isEmpty { components?.queryItems = query.sorted { $0.key < $1.key }.map(URLQueryItem.init) }
        guard let target = components?.string else { throw HarnessFailure(description: "bad URL \(url)") }
        var arguments = ["-sS", "-X", "POST", "-o", answerFile.path, "-w", "%{http_code}", "--data-binary", "@\(bodyFile.path)"]
        var allHeaders = headers
        if let token { allHeaders["Authorization"] = "Bearer \(token)" }
        for (name, value) in allHeaders.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        arguments.append(target)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = Int(String(decoding: printed, as: UTF8.self)) ?? 0
        guard process.terminationStatus == 0, status > 0 else {
            throw HarnessFailure(description: "curl failed (\(process.terminationStatus)) posting to \(target)")
        }
        let answer = (try? String(contentsOf: answerFile, encoding: .utf8)) ?? ""
        return Answer(status: status, body: answer)
    }
}
