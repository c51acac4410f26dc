import EventModel
import Foundation
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// The event sources of the built `sensor-gateway run` against a real nats-server: curl posts to `POST /v1/events`
/// (MessagePack bodies made by Python's msgpack), schedules tick into JetStream, triggers land in the outbox.
@Suite(
    "Event sources end to end", .serialized, .timeLimit(.minutes(3)),
    .natsServer, .gatewayBinary)
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
            sources:
                "sources:\n  http: {listen: \"127.0.0.1:\(port)\", tokenFile: \(tokenFile.path), maxBodyBytes: 8192}\n")
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        let client = Curl(url: "http://127.0.0.1:\(port)/v1/events", token: Self.token)
        let name = ["name": "workload-requested"]

        // Each sample in one of the four forms, named by ?name= (their subject attributes are file paths and models).
        var expectedIDs: [String] = []
        var answers: [Curl.Answer] = []
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
                    headers: Self.binaryHeaders(sample).merging(["Content-Type": "application/json"]) { $1 },
                    query: name)
            case 2:
                answer = try client.post(
                    body: try Self.messagePack(try #require(sample["data"])),
                    headers: Self.binaryHeaders(sample).merging(["Content-Type": "application/msgpack"]) { $1 },
                    query: name)
            default:
                let query = [
                    "source": sample["source"], "type": sample["type"], "subject": sample["subject"],
                    "id": sample["id"],
                ].compactMapValues { $0 as? String }
                answer = try client.post(
                    body: try JSONSerialization.data(withJSONObject: try #require(sample["data"])),
                    headers: ["Content-Type": "application/json"], query: query.merging(name) { $1 })
            }
            #expect(answer.status == 202, "sample \(index): \(answer.body)")
            answers.append(answer)
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
            body: try JSONSerialization.data(withJSONObject: named),
            headers: ["Content-Type": "application/cloudevents+json"])
        #expect(byAttribute.status == 202, "\(byAttribute.body)")
        #expect(try byAttribute.json()["subject"] as? String == "events.ml-platform.workload-requested")
        expectedIDs.append("named-by-subject")
        try await gateway.eventually("every sample to fire its trigger") {
            Self.firedIDs(workspace).sorted() == expectedIDs.sorted()
        }

        // The same id again: 202, a duplicate of the stored sequence, no second firing.
        let again = try client.post(
            body: try JSONSerialization.data(withJSONObject: samples[0]),
            headers: ["Content-Type": "application/cloudevents+json"],
            query: name)
        #expect(again.status == 202)
        #expect(try again.json()["duplicate"] as? Bool == true)
        #expect(try again.json()["sequence"] as? Int == 1)

        // Bad requests: the status and the reason a client sees.
        let structured = ["Content-Type": "application/cloudevents+json"]
        let bad: [(String, Curl.Answer, Int, String)] = [
            (
                "malformed JSON", try client.post(body: Data(#"{"specversion":"1.0","id":"#.utf8), headers: structured),
                400, "truncated"
            ),
            (
                "wrong content type",
                try client.post(body: Data("hello".utf8), headers: ["Content-Type": "text/plain"]), 415,
                "unsupported_media_type"
            ),
            (
                "oversize body", try client.post(body: Data(repeating: 0x20, count: 9000), headers: structured), 413,
                "payload_too_large"
            ),
            (
                "oversize chunked body",
                try client.post(
                    body: Data(repeating: 0x20, count: 9000),
                    headers: structured.merging(["Transfer-Encoding": "chunked"]) { $1 }),
                413, "payload_too_large"
            ),
            (
                "missing id",
                try client.post(
                    body: Data(#"{"specversion":"1.0","source":"ml-platform","type":"t","subject":"x"}"#.utf8),
                    headers: structured),
                400, "missing_attribute"
            ),
            (
                "missing type",
                try client.post(
                    body: Data(#"{"specversion":"1.0","id":"no-type","source":"ml-platform","subject":"x"}"#.utf8),
                    headers: structured), 400, "missing_attribute"
            ),
            (
                "missing subject",
                try client.post(
                    body: Data(#"{"specversion":"1.0","id":"no-subject","source":"ml-platform","type":"t"}"#.utf8),
                    headers: structured), 400, "missing_subject"
            ),
            (
                "subject not a token",
                try client.post(
                    body: try JSONSerialization.data(withJSONObject: samples[2]), headers: structured), 400,
                "invalid_subject"
            ),
            (
                "no token", try Curl(url: client.url, token: nil).post(body: Data(), headers: structured), 401,
                "unauthorized"
            ),
            (
                "wrong token", try Curl(url: client.url, token: "nope").post(body: Data(), headers: structured), 401,
                "unauthorized"
            ),
        ]
        for (what, answer, status, reason) in bad {
            #expect(answer.status == status, "\(what): \(answer.body)")
            let body = try answer.json()
            #expect(body["error"] as? String == reason, "\(what): \(answer.body)")
            #expect(!((body["detail"] as? String) ?? "").isEmpty, "\(what)")
        }
        #expect(bad[4].1.body.contains(#"\"id\""#), "the missing attribute is named: \(bad[4].1.body)")
        #expect(bad[5].1.body.contains(#"\"type\""#), "the missing attribute is named: \(bad[5].1.body)")
        #expect(await gateway.metric(#"sensor_gateway_events_accepted_total{source="http"}"#) == 8)
        #expect(
            await gateway.metric(#"sensor_gateway_events_rejected_total{source="http",reason="unauthorized"}"#) == 2)
        #expect(
            await gateway.metric(#"sensor_gateway_events_rejected_total{source="http",reason="payload_too_large"}"#)
                == 2)
        let status = try #require(await gateway.get("/status"))
        #expect(status.body.contains(#""eventSources""#))
        #expect(status.body.contains(#""authentication":"bearer""#))
        #expect(!gateway.logText.contains(Self.token), "the token is never logged")

        // NATS down: 503, and the event never fires once NATS is back.
        server.kill()
        try await gateway.eventually("the gateway to see NATS down") { await gateway.get("/readyz")?.status == 503 }
        var down = samples[1]
        down["id"] = "posted-while-down"
        let refused = try client.post(
            body: try JSONSerialization.data(withJSONObject: down), headers: structured, query: name)
        #expect(refused.status == 503, "\(refused.body)")
        #expect(try refused.json()["error"] as? String == "nats_unavailable")
        let restarted = try server.restarted()
        defer { restarted.stop() }
        try await gateway.waitUntilReady(timeout: .seconds(60))
        var after = samples[1]
        after["id"] = "posted-after-outage"
        let accepted = try client.post(
            body: try JSONSerialization.data(withJSONObject: after), headers: structured, query: name)
        #expect(accepted.status == 202, "\(accepted.body)")
        try await gateway.eventually("the event after the outage to fire") {
            Self.firedIDs(workspace).contains("posted-after-outage")
        }
        #expect(!Self.firedIDs(workspace).contains("posted-while-down"))
        #expect(Self.firedIDs(workspace).count == samples.count + 2, "the repeated id fired once")
        try Self.checkAgainstSpec(answers + [byAttribute, again, refused, accepted] + bad.map(\.1))
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
        let status = try #require(await replicas[0].get("/status")).body
        #expect(status.contains(#""schedule:every-second""#) && status.contains(#""nextTick""#), "\(status)")
        // Each replica's count is read before and after the window; the instants around each read bound which ticks
        // it can hold (a read takes a while on a loaded machine or under a sanitizer).
        let now = { Date().timeIntervalSince1970 }
        var before: [(count: Double, sent: Double, received: Double)] = []
        for replica in replicas {
            let sent = now()
            before.append((await replica.metric(accepted), sent, now()))
        }
        let start = now()
        try await Task.sleep(for: .seconds(5))
        let end = now()
        var published: [(count: Double, surely: Range<Double>, possibly: Range<Double>)] = []
        for (index, replica) in replicas.enumerated() {
            let sent = now()
            let count = await replica.metric(accepted) - before[index].count
            published.append((count, before[index].received..<sent, before[index].sent..<now()))
        }
        for replica in replicas { replica.send(SIGTERM) }
        for replica in replicas { #expect(try await replica.waitForExit() == 0) }

        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let messages = try await connection.readStream("EVENTS", expecting: 100)
        await connection.close()
        #expect(!messages.isEmpty && messages.allSatisfy { $0.subject == "events.schedules.tick" })
        let events = try messages.map { try CloudEventCodec.decode(payload: $0.data) }
        #expect(Set(events.map(\.id)).count == events.count, "each tick stored once")
        #expect(events.allSatisfy { $0.type == "com.acme.tick" && $0.data == ["kind": "heartbeat"] })
        let ticks = events.compactMap(\.time).map(\.seconds).sorted()
        let inWindow = ticks.filter { Double($0) >= start && Double($0) < end }
        // The window is as long as the sleep took (longer than 5 s on a loaded machine): a tick per whole second in it.
        let seconds = end - start
        #expect(
            Int(seconds.rounded(.down)) - 1...Int(seconds.rounded(.up)) + 1 ~= inWindow.count,
            "ticks in \(seconds) s: \(inWindow)")
        #expect(
            zip(ticks, ticks.dropFirst()).allSatisfy { $1 - $0 == 1 }, "one event per second, none missing: \(ticks)")
        // Both replicas published (nearly) every tick between their two reads; the stream kept one of each.
        for (index, replica) in published.enumerated() {
            let surely = ticks.filter { replica.surely.contains(Double($0)) }.count
            let possibly = ticks.filter { replica.possibly.contains(Double($0)) }.count
            #expect(
                Double(surely - 1)...Double(possibly + 1) ~= replica.count,
                "replica \(index) published \(replica.count) ticks, \(surely)–\(possibly) stored between its reads")
        }
    }

    /// `tls` and `allowUnauthenticated`: HTTPS with the configured certificate (curl trusts it through its CA file),
    /// no token asked; plain HTTP to the TLS port gets no answer.
    @Test func tlsWithoutAuthentication() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let tls = try SelfSignedCertificate()
        defer { tls.remove() }
        let (certificate, key) = (tls.certificate, tls.key)
        let port = try NATSServerProcess.freeLoopbackPort()
        let workspace = try Self.workspace(
            natsURL: server.url, sensors: [:],
            sources: """
                sources:
                  http: {listen: "127.0.0.1:\(port)", allowUnauthenticated: true, tls: {cert: \(certificate), key: \(key)}}

                """)
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()
        let client = Curl(url: "https://127.0.0.1:\(port)/v1/events", token: nil, caFile: certificate)
        let answer = try client.post(
            body: Data(#"{"n":1}"#.utf8), headers: ["Content-Type": "application/json"],
            query: ["source": "shop", "type": "order.created", "name": "order", "id": "tls-1"])
        #expect(answer.status == 202, "\(answer.body)")
        #expect(try answer.json()["subject"] as? String == "events.shop.order")
        #expect(throws: HarnessFailure.self, "plain HTTP to the TLS listener") {
            try Curl(url: "http://127.0.0.1:\(port)/v1/events", token: nil).post(
                body: Data("{}".utf8), headers: ["Content-Type": "application/json"],
                query: ["source": "s", "type": "t"])
        }
        #expect(await gateway.get("/status")?.body.contains(#""authentication":"none""#) == true)
        #expect(await gateway.get("/status")?.body.contains(#""tls":true"#) == true)
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }

    /// A token file that cannot be read stops the gateway with exit 1 and an error naming the key.
    @Test func missingTokenFileStopsTheGateway() async throws {
        let workspace = try Self.workspace(
            natsURL: "nats://127.0.0.1:1", sensors: [:],
            sources: "sources:\n  http: {listen: \"127.0.0.1:0\", tokenFile: /nonexistent/sg-token}\n")
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        #expect(try await gateway.waitForExit() == 1)
        #expect(
            gateway.logText.contains("sources.http.tokenFile: bearer token file /nonexistent/sg-token cannot be read"))
    }

    /// Ticks missed while no gateway runs: `catchUpLast` emits the latest one at start (once), `skip` none.
    @Test func missedTicks() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try Self.workspace(
            natsURL: server.url, sensors: [:],
            sources: """
                sources:
                  schedules:
                    - {name: catch, interval: 2s, missed: catchUpLast, event: {type: t, subject: catch}}
                    - {name: skip, interval: 2s, event: {type: t, subject: skip}}

                """)
        defer { workspace.remove() }
        let series = ["catch", "skip"].map { #"sensor_gateway_events_accepted_total{source="schedule:\#($0)"}"# }
        let first = try GatewayProcess(workspace)
        try await first.waitUntilReady()
        for metric in series {
            try await first.eventually("a first tick") { await first.metric(metric) >= 1 }
        }
        first.send(SIGTERM)
        #expect(try await first.waitForExit() == 0)
        let stopped = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(5))
        let restarted = Date().timeIntervalSince1970
        let second = try GatewayProcess(workspace)
        try await second.waitUntilReady()
        for metric in series {
            try await second.eventually("a tick after the restart") { await second.metric(metric) >= 1 }
        }
        second.send(SIGTERM)
        #expect(try await second.waitForExit() == 0)

        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let events = try await connection.readStream("EVENTS", expecting: 100).map {
            try CloudEventCodec.decode(payload: $0.data)
        }
        await connection.close()
        func ticks(_ subject: String, from start: Double, to end: Double) -> [Int64] {
            events.filter { $0.subject == subject }.compactMap(\.time?.seconds).filter {
                Double($0) > start && Double($0) < end
            }
        }
        let caughtUp = second.logText.split(separator: "\n").filter { $0.contains("catching up a missed tick") }
        #expect(caughtUp.count == 1, "one catch-up: \(caughtUp)")
        #expect(caughtUp.allSatisfy { $0.contains(#""schedule":"catch""#) })
        #expect(first.logText.contains("catching up a missed tick") == false, "nothing to catch up on a first start")
        let line = try #require(caughtUp.first)
        let tickText = try #require(line.split(separator: #""tick":""#).last?.split(separator: "\"").first)
        let tick = try #require(EventTimestamp(rfc3339: String(tickText)))
        #expect(Double(tick.seconds) > stopped, "the caught-up tick \(tick) was missed while down")
        #expect(events.contains { $0.id == "catch@\(tick.rfc3339)" }, "the caught-up tick is in the stream")
        let missed = ticks("catch", from: stopped, to: restarted)
        #expect(missed.count <= 1, "at most the last missed tick: \(missed)")
        #expect(ticks("skip", from: stopped + 0.001, to: restarted).isEmpty, "skip emits no missed tick")
    }

    /// Validates `specs/events-openapi.yaml` (openapi-spec-validator) and each answer against the schema the spec
    /// gives its status; an undocumented status fails.
    static func checkAgainstSpec(_ answers: [Curl.Answer]) throws {
        let script = """
            import json, sys, yaml
            from openapi_spec_validator import validate
            from openapi_schema_validator import OAS30Validator
            spec = yaml.safe_load(open(sys.argv[1]))
            validate(spec)
            responses = spec["paths"]["/v1/events"]["post"]["responses"]
            for line in sys.stdin:
                status, body = json.loads(line)
                if str(status) not in responses:
                    sys.exit(f"status {status} is not in the spec")
                schema = responses[str(status)]["content"]["application/json"]["schema"]
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                OAS30Validator(schema).validate(json.loads(body))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", script, repository.appendingPathComponent("specs/events-openapi.yaml").path,
        ]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        try process.run()
        for answer in answers {
            input.fileHandleForWriting.write(
                try JSONSerialization.data(withJSONObject: [answer.status, answer.body]) + Data("\n".utf8))
        }
        try input.fileHandleForWriting.close()
        let failure = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(
            process.terminationStatus == 0,
            "the answers do not match the spec: \(String(decoding: failure, as: UTF8.self))")
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
    /// The CA certificate to trust for `https://`.
    var caFile: String? = nil

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
        var arguments = [
            "-sS", "-X", "POST", "-o", answerFile.path, "-w", "%{http_code}", "--data-binary", "@\(bodyFile.path)",
        ]
        if let caFile { arguments += ["--cacert", caFile] }
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
