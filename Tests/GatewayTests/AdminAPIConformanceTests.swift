import Foundation
import JetStream
import JetStreamTesting
import LoopbackTesting
import Testing

/// The built `sensor-gateway run` against a real nats-server answers as specs/admin-openapi.yaml says: every path,
/// status, media type and body (checked by `Support/admin_conformance.py`), while ready and while NATS is down.
@Suite("Admin API conformance", .serialized, .timeLimit(.minutes(3)), .natsServer, .gatewayBinary)
struct AdminAPIConformanceTests {
    static let spec = repository.appendingPathComponent("specs/admin-openapi.yaml").path
    static let checker = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/admin_conformance.py").path

    /// The end-to-end suite's sensors: `pair` (`a && b`, a log trigger: a `lastOutcome` once both came, then a held
    /// half, `pending` in /status), `single` (a data filter; its http trigger is never reached here) and an invalid
    /// sensor (`rejectedSensors` in /status).
    static let sensors = [
        "pair.yaml": GatewayEndToEndTests.pair, "single.yaml": GatewayEndToEndTests.single,
        "bad.yaml": GatewayEndToEndTests.invalid(named: "bad"),
    ]

    static func event(_ name: String, id: String) -> [String: Any] {
        PythonPublisher.event(subject: "events.src.\(name)", id: id, source: "src", name: name, data: [:])
    }

    /// `python3 admin_conformance.py SPEC URL --expect PATH=STATUS…`.
    static func conformance(spec: String = spec, port: Int, expect: [String: Int]) throws -> ScriptRun {
        try ScriptRun.python(
            checker,
            [spec, "http://127.0.0.1:\(port)"]
                + expect.sorted(by: { $0.key < $1.key }).flatMap { ["--expect", "\($0.key)=\($0.value)"] })
    }

    /// The spec with `from` replaced by `to`, in a temporary file.
    static func mutatedSpec(_ from: String, _ to: String, in directory: URL) throws -> String {
        let text = try String(contentsOfFile: spec, encoding: .utf8)
        #expect(text.contains(from), "specs/admin-openapi.yaml no longer contains \(from)")
        let file = directory.appendingPathComponent("admin-openapi-\(UUID().uuidString).yaml")
        try text.replacingOccurrences(of: from, with: to).write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test("every endpoint answers as specs/admin-openapi.yaml says, while ready and while nats-server is down")
    func endpointsConformToTheSpec() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let workspace = try GatewayWorkspace(natsURL: server.url, sensors: Self.sensors)
        defer { workspace.remove() }
        let gateway = try GatewayProcess(workspace)
        try await gateway.waitUntilReady()

        // Fill in what /status and /metrics show once events flow: `a && b` fires, then a new `a` is held; an event
        // of `single` fails its filter.
        try PythonPublisher.publish(
            server: server.url,
            [
                Self.event("a", id: "conformance-a1"), Self.event("b", id: "conformance-b1"),
                GatewayEndToEndTests.oneEvent("conformance-filtered", accepted: false),
            ])
        try await gateway.eventually("the firing to show in /status") {
            await gateway.get("/status")?.body.contains(#""lastOutcome":{"outcome":"succeeded""#) == true
        }
        try PythonPublisher.publish(server: server.url, [Self.event("a", id: "conformance-a2")])
        try await gateway.eventually("the held half to show in /status") {
            await gateway.get("/status")?.body.contains(#""pending":["a"]"#) == true
        }
        // A message that is no CloudEvent is dead-lettered: /api/dead-letters has an entry to check.
        try PythonPublisher.publish(server: server.url, [["subject": "events.src.a", "raw_hex": "c1ffee"]])
        try await gateway.eventually("the undecodable message to be dead-lettered") {
            await gateway.metric(#"sensor_gateway_dlq_total{sensor="",reason="undecodable"}"#) == 1
        }

        let ready = try Self.conformance(
            port: workspace.adminPort,
            expect: [
                "/healthz": 200, "/readyz": 200, "/metrics": 200, "/status": 200, "/api/firings": 200,
                "/api/explain": 200, "/api/sensors": 200, "/api/dead-letters": 200,
            ])
        #expect(ready.status == 0, "\(ready.transcript)\n--- gateway log ---\n\(gateway.logText)")
        for line in [
            "ok GET /: 200 text/html", "ok GET /console.js: 200 text/javascript", "ok GET /console.css: 200 text/css",
            "ok GET /healthz: 200 application/json, body matches the documented schema",
            "ok GET /readyz: 200 application/json, body matches the documented schema",
            "ok GET /status: 200 application/json, body matches the documented schema",
            "ok GET /api/firings: 200 application/json, body matches the documented schema",
            "ok GET /api/sensors: 200 application/json, body matches the documented schema",
            "ok GET /api/dead-letters: 200 application/json, body matches the documented schema",
            "ok POST /api/explain: 200 application/json, body matches the documented schema",
            "ok GET /metrics: 200 text/plain, Prometheus text format, every family documented",
            "ok GET /no-such-path: 404, as for every undocumented path",
            "ok HEAD on every documented path without a HEAD operation: 404",
            "ok POST on every documented path without a POST operation: 404",
            "ok GET on every documented path without a GET operation: 404",
        ] {
            #expect(ready.output.contains(line), "missing \(line):\n\(ready.transcript)")
        }
        for family in [
            "sensor_gateway_events_received_total (counter", "sensor_gateway_events_filtered_total (counter",
            "sensor_gateway_triggers_total (counter", "sensor_gateway_event_to_trigger_seconds (histogram",
            "sensor_gateway_trigger_duration_seconds (histogram", "sensor_gateway_correlations_pending (gauge",
            "sensor_gateway_nats_connected (gauge",
        ] {
            #expect(
                ready.output.contains("ok GET /metrics: family \(family)"),
                "\(family) not checked:\n\(ready.transcript)")
        }

        // The checker fails when the spec and the server disagree: an undocumented status, an undocumented field, a
        // metric label the spec does not list.
        let scratch = workspace.directory.appendingPathComponent("specs")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let noReady = try Self.conformance(
            spec: try Self.mutatedSpec(
                #"        "200":\#n          description: ready"#, #"        "202":\#n          description: ready"#,
                in: scratch),
            port: workspace.adminPort, expect: [:])
        #expect(noReady.status == 1)
        #expect(
            noReady.errorLines == ["error: GET /readyz: status 200 is not documented (documented: 202, 503)"],
            "\(noReady.transcript)")
        let noFiles = try Self.conformance(
            spec: try Self.mutatedSpec("        sensorFiles:\n", "        sensorFileList:\n", in: scratch),
            port: workspace.adminPort, expect: [:])
        #expect(noFiles.status == 1)
        #expect(
            noFiles.errorLines == [
                "error: GET /status 200: $: Additional properties are not allowed ('sensorFiles' was unexpected)"
            ], "\(noFiles.transcript)")
        let labels = try Self.conformance(
            spec: try Self.mutatedSpec(
                "type: counter, labels: [sensor, dependency]}", "type: counter, labels: [sensor]}", in: scratch),
            port: workspace.adminPort, expect: [:])
        #expect(labels.status == 1)
        #expect(
            labels.errorLines.first?.hasPrefix(
                "error: GET /metrics: sensor_gateway_events_received_total has labels ['dependency', 'sensor'], x-metric-families says ['sensor']"
            ) == true,
            "\(labels.transcript)")

        // nats-server gone: /readyz is 503 with its documented body, and everything else still conforms.
        server.kill()
        try await gateway.eventually("/readyz to fail while nats-server is down") {
            await gateway.get("/readyz")?.status == 503
        }
        let down = try Self.conformance(
            port: workspace.adminPort,
            expect: [
                "/healthz": 200, "/readyz": 503, "/metrics": 200, "/status": 200, "/api/firings": 200,
                "/api/explain": 200, "/api/sensors": 200, "/api/dead-letters": 503,
            ])
        #expect(down.status == 0, "\(down.transcript)")
        for line in [
            "ok GET /readyz: 503 application/json, body matches the documented schema",
            "ok GET /api/dead-letters: 503 application/json, body matches the documented schema",
        ] {
            #expect(down.output.contains(line), "missing \(line):\n\(down.transcript)")
        }
        let status = try #require(await gateway.get("/status")?.body)
        #expect(
            status.contains(#""ready":false"#) && status.contains(#""notReadyReason":"NATS connection is"#), "\(status)"
        )

        // Back up: ready again, then a clean stop.
        let restarted = try server.restarted()
        defer { restarted.stop() }
        try await gateway.waitUntilReady(timeout: .seconds(60))
        gateway.send(SIGTERM)
        #expect(try await gateway.waitForExit() == 0)
    }
}
