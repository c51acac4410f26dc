import Foundation
import HTTPTransport
import JetStreamTesting
import LoopbackTesting
import Testing

/// The console at `GET /`, rendered by headless Chromium from the built `sensor-gateway run` against a real
/// nats-server and the Argo stand-in: what a person sees in each view, read from the DOM after the page's scripts
/// fetched the admin API.
@Suite("Console in a browser", .serialized, .timeLimit(.minutes(6)), .natsServer, .gatewayBinary, .chromium)
struct ConsoleBrowserTests {
    static let argoUI = "https://argo.example.test"

    /// `single` (a data filter, an Argo workflow), `pair` (`a && b`) and a sensor file that does not load.
    static let sensors = [
        "single.yaml": GatewayEndToEndTests.single, "pair.yaml": GatewayEndToEndTests.pair,
        "broken.yaml": GatewayEndToEndTests.invalid(named: "broken"),
    ]

    /// A sensor whose `http` trigger the stand-in refuses (403, a status its policy does not allow: permanent): its
    /// event is dead-lettered.
    static func refused(hook: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: orders}
        spec:
          dependencies:
            - {name: order, eventSourceName: shop, eventName: order-created}
          triggers:
            - template:
                name: notify-billing
                http: {url: "\(hook)", method: POST}
              policy:
                status: {allow: [200]}

        """
    }

    /// `count` sensors, one document each, on ten shared subjects (`events.fleet.s0` … `s9`): a data filter and a
    /// log trigger each.
    static func fleet(_ count: Int) -> String {
        (0..<count).map { index in
            let name = "fleet-\(String(format: "%04d", index))"
            return """
                apiVersion: argoproj.io/v1alpha1
                kind: Sensor
                metadata: {name: \(name)}
                spec:
                  dependencies:
                    - name: reading
                      eventSourceName: fleet
                      eventName: s\(index % 10)
                      filters:
                        data:
                          - {path: device, type: string, value: ["\(name)"]}
                  triggers:
                    - template: {name: record, log: {}}

                """
        }.joined(separator: "---\n")
    }

    /// Starts nats-server, the Argo stand-in and a gateway with `sensors` whose console links to ``argoUI``.
    static func withGateway(
        sensors: [String: String], _ body: (NATSServerProcess, GatewayProcess, APIStandIn) async throws -> Void
    ) async throws {
        let standIn = try APIStandIn()
        try await standIn.seed(templates: [("argo", "WorkflowTemplate", "notify")], pipelines: [])
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        var all = sensors
        all["orders.yaml"] = refused(hook: standIn.base + "/hook/403")
        let workspace = try GatewayWorkspace(
            natsURL: server.url, sensors: all, environment: ["ARGO_SERVER": standIn.base],
            extra: "console: {argoUIBaseURL: \"\(argoUI)/\"}")
        defer { workspace.remove() }
        let gateway = try await GatewayEndToEndTests.startGateway(workspace)
        try await body(server, gateway, standIn)
        try await GatewayEndToEndTests.stop(gateway)
        await standIn.stop()
    }

    /// One event fires, one is filtered, one half of `a && b` is held, one order is refused by its target and
    /// dead-lettered; returns once the gateway shows all four.
    static func publishScenario(_ server: NATSServerProcess, _ gateway: GatewayProcess) async throws {
        try PythonPublisher.publish(
            server: server.url,
            [
                GatewayEndToEndTests.oneEvent("console-filtered", accepted: false),
                GatewayEndToEndTests.oneEvent("console-fires", name: "first"),
                PythonPublisher.event(subject: "events.src.a", id: "console-a1", source: "src", name: "a", data: [:]),
                PythonPublisher.event(
                    subject: "events.shop.order-created", id: "order-7", source: "shop", name: "order-created",
                    data: ["total": 42]),
            ])
        try await gateway.eventually("the firing, the filtered event, the held half and the dead letter") {
            let status = await gateway.get("/status")?.body ?? ""
            let firings = await gateway.get("/api/firings")?.body ?? ""
            let deadLettered = await gateway.metric(#"sensor_gateway_dlq_total{sensor="orders",reason="permanent"}"#)
            let filtered = await gateway.metric(
                #"sensor_gateway_events_filtered_total{sensor="single",dependency="one",reason="filter"}"#)
            return firings.contains(#""outcome":"succeeded""#) && status.contains(#""pending":["a"]"#)
                && deadLettered >= 1 && filtered == 1
        }
    }

    /// The page's URL for `view` (a fragment: `sensors`, `firings`, `dead-letters`, `explain=<event>`).
    static func page(_ gateway: GatewayProcess, _ view: String) -> String {
        "http://127.0.0.1:\(gateway.workspace.adminPort)/#\(view)"
    }

    /// The fragment that opens "Try an event" with `event` (one CloudEvent, or an array of them) pasted: the page's
    /// shareable link.
    static func explainLink(_ event: Any) throws -> String {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
        return "explain=" + (json.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }

    /// The filter counts, the held correlation, the firing with its workflow's name and link, the dead letter with
    /// its replay command, and a pasted event's explanation, as the rendered page shows them.
    @Test func viewsShowTheGatewaysLiveState() async throws {
        try await Self.withGateway(sensors: Self.sensors) { server, gateway, _ in
            try await Self.publishScenario(server, gateway)

            let firings = RenderedPage(try HeadlessChromium.dom(Self.page(gateway, "firings")))
            let firing = try #require(
                firings.rows("firing").first { $0.cells.contains("single / notify") }, "\(firings.html)")
            let id = try #require(firing.cells.dropFirst().first)
            #expect(firing.cells.contains("console-fires"))
            #expect(firing.cells.contains("argo"))
            #expect(firing.cells.contains("succeeded"))
            let workflow = "notify-" + id
            #expect(firing.cells.contains { $0.hasPrefix("workflow \(workflow)") }, "\(firing.cells)")
            #expect(firings.html.contains(#"href="\#(Self.argoUI)/workflows/argo/\#(workflow)""#), "\(firings.html)")

            let pasted = try #require(
                GatewayEndToEndTests.oneEvent("pasted-1", accepted: true, name: "pasted")["event"] as? [String: Any])
            let explained = RenderedPage(try HeadlessChromium.dom(Self.page(gateway, try Self.explainLink(pasted))))
            #expect(explained.html.contains("1 trigger would fire"), "\(explained.html)")
            let verdict = try #require(explained.rows("verdict").first, "\(explained.html)")
            #expect(verdict.cells.first == "one")
            #expect(verdict.cells.contains("passed"))
            #expect(verdict.cells.contains("true"), "the value the filter saw: \(verdict.cells)")
            #expect(verdict.cells.last == "pasted-1")
            #expect(explained.text(inClass: "request")?.contains("pasted") == true, "the request with the parameter")
            #expect(await gateway.get("/api/firings")?.body.contains("pasted-1") == false, "nothing fired")

            let letters = RenderedPage(try HeadlessChromium.dom(Self.page(gateway, "dead-letters")))
            let letter = try #require(letters.rows("dead-letter").first, "\(letters.html)")
            #expect(letter.cells.contains { $0.hasPrefix("orders / notify-billing") }, "\(letter.cells)")
            #expect(letter.cells.contains { $0.hasPrefix("order-7") }, "\(letter.cells)")
            #expect(letter.cells.last?.hasPrefix("sensor-gateway dlq replay ") == true, "\(letter.cells)")

            let sensors = RenderedPage(try HeadlessChromium.dom(Self.page(gateway, "sensors")))
            #expect(sensors.text(id: "ready") == "ready", "\(sensors.html)")
            let filter = try #require(
                sensors.rows("filter").first { $0.attributes.contains(#"data-dependency="one""#) })
            #expect(filter.cells.count == 4, "\(filter.cells)")
            #expect(filter.cells.suffix(2) == ["1", "1"], "passed and rejected: \(filter.cells)")
            #expect(filter.cells.first == "data")
            let dependency = try #require(
                sensors.rows("dependency").first { $0.attributes.contains(#"data-dependency="one""#) })
            #expect(dependency.cells.first == "one")
            #expect(dependency.cells.suffix(2) == ["1", "1"], "\(dependency.cells)")
            let held = try #require(sensors.rows("held").first, "no held correlation in \(sensors.html)")
            #expect(held.cells.first == "a")
            #expect(held.cells.dropFirst().first == "console-a1")
            #expect(held.cells.last?.hasSuffix("s") == true, "the age: \(held.cells)")
            #expect(sensors.html.contains("a &amp;&amp; b"), "the trigger's condition")
            #expect(sensors.html.contains("Not loaded: broken"), "the rejected sensor file")
            #expect(sensors.html.contains("spec.bogus"), "its finding")
        }
    }

    /// Two dependencies with a data filter each; `ship` waits for both, `audit` logs every payment.
    static let fulfilment = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: order-fulfilment}
        spec:
          dependencies:
            - name: payment
              eventSourceName: shop
              eventName: payment-captured
              filters:
                data:
                  - {path: amount, type: number, comparator: ">", value: ["0"]}
            - name: shipment
              eventSourceName: warehouse
              eventName: parcel-packed
              filters:
                data:
                  - {path: carrier, type: string, value: ["dhl", "ups"]}
          triggers:
            - template:
                name: ship
                conditions: "payment && shipment"
                argoWorkflow:
                  operation: submit
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata: {generateName: ship-}
                      spec:
                        workflowTemplateRef: {name: notify}
            - template:
                name: audit
                conditions: payment
                log: {}

        """

    /// A payment event of ``fulfilment``.
    static func payment(_ id: String, amount: Int) -> [String: Any] {
        PythonPublisher.event(
            subject: "events.shop.payment-captured", id: id, source: "shop", name: "payment-captured",
            data: ["amount": amount, "order": "A-1042"])
    }

    /// At 1,000 sensors the sensors view shows one page of 50, collapsed; a PNG of each view, into
    /// `$SENSOR_GATEWAY_SCREENSHOTS` when set (`make screenshots`: docs/images), else a temporary directory.
    @Test func screenshotsOfEachViewAtAThousandSensors() async throws {
        let directory =
            ProcessInfo.processInfo.environment["SENSOR_GATEWAY_SCREENSHOTS"].map {
                URL(fileURLWithPath: $0)
            } ?? FileManager.default.temporaryDirectory.appendingPathComponent("sg-screenshots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var sensors = Self.sensors
        sensors["fulfilment.yaml"] = Self.fulfilment
        sensors["fleet.yaml"] = Self.fleet(996)
        try await Self.withGateway(sensors: sensors) { server, gateway, _ in
            try await Self.publishScenario(server, gateway)
            try PythonPublisher.publish(
                server: server.url, [Self.payment("pay-1041", amount: 0), Self.payment("pay-1042", amount: 129)])
            try await gateway.eventually("the audit firing") {
                await gateway.get("/api/firings")?.body.contains("pay-1042") == true
            }
            try await gateway.eventually("the consumers' lag, read from the server every 10 s") {
                await gateway.get("/api/sensors?q=order-fulfilment")?.body.contains(#""ackPending""#) == true
            }

            let list = RenderedPage(try HeadlessChromium.dom(Self.page(gateway, "sensors")))
            #expect(list.text(id: "sensor-range") == "1–50 of 1000", "\(list.html)")
            let collapsed = list.html.matches(of: /<details class="sensor"[^>]*>/).map { String($0.output) }
            #expect(collapsed.count == 50)
            #expect(collapsed.allSatisfy { !$0.contains(" open") }, "collapsed by default")

            let payment = try #require(Self.payment("pay-1043", amount: 75)["event"] as? [String: Any])
            let parcel = try #require(
                PythonPublisher.event(
                    subject: "events.warehouse.parcel-packed", id: "parcel-1043", source: "warehouse",
                    name: "parcel-packed", data: ["carrier": "dhl", "order": "A-1043"]
                )["event"] as? [String: Any])
            for (name, view) in [
                ("console-sensors", "sensors"), ("console-sensor", "sensor=order-fulfilment"),
                ("console-firings", "firings"), ("console-dead-letters", "dead-letters"),
                ("console-explain", try Self.explainLink([payment, parcel])),
            ] {
                let file = directory.appendingPathComponent(name + ".png")
                try HeadlessChromium.screenshot(Self.page(gateway, view), to: file)
                let header = try FileHandle(forReadingFrom: file).read(upToCount: 8) ?? Data()
                #expect(header == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(name).png is a PNG")
            }
        }
    }

    /// The page itself: HTML, script and style from the binary under a strict Content-Security-Policy, open without
    /// the admin token (the data stays behind it), and the UI base URL in the page escaped.
    @Test func pageIsSelfContainedAndOpenWithoutTheToken() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        try await withAdminTokenFile("console-token") { tokenFile in
            let workspace = try GatewayWorkspace(
                natsURL: server.url, sensors: ["single.yaml": GatewayEndToEndTests.single],
                admin: "tokenFile: \(tokenFile)", extra: #"console: {kfpUIBaseURL: "https://kfp.test/a\"b<c"}"#)
            defer { workspace.remove() }
            let gateway = try await GatewayEndToEndTests.startGateway(workspace)
            let page = try #require(await gateway.get("/"))
            #expect(page.status == 200)
            #expect(page.body.contains(#"<script src="console.js" defer></script>"#))
            #expect(!page.body.contains("<script>"), "no inline script")
            #expect(page.body.contains(#"content="https://kfp.test/a&quot;b&lt;c""#), "\(page.body)")
            for path in ["/", "/console.js", "/console.css"] {
                let answer = try await TestHTTP.get(
                    "http://127.0.0.1:\(workspace.adminPort)\(path)", timeout: .seconds(5))
                #expect(answer.status == 200, "\(path)")
                let policy = answer.headers.first { $0.name == "content-security-policy" }?.value ?? ""
                #expect(
                    policy.hasPrefix("default-src 'none'; script-src 'self'; style-src 'self';"), "\(path): \(policy)")
                #expect(answer.headers.contains { $0 == ("x-content-type-options", "nosniff") }, "\(path)")
            }
            #expect(await gateway.get("/status")?.status == 401)
            #expect(await gateway.get("/api/sensors")?.status == 401)

            // Without the token the page asks for it; the data endpoints stay closed.
            let locked = RenderedPage(try HeadlessChromium.dom("http://127.0.0.1:\(workspace.adminPort)/#firings"))
            #expect(locked.html.contains(#"<section id="token" class="banner">"#), "the token form is shown")
            #expect(locked.rows("firing").isEmpty)
            try await GatewayEndToEndTests.stop(gateway)
        }
    }
}

/// A DOM as Chromium serialized it, read the way the page lays it out: table rows by class, elements by id.
struct RenderedPage {
    let html: String

    init(_ html: String) {
        self.html = html
    }

    /// The `<tr>` elements whose class list has `className`: their attributes and the text of each cell.
    func rows(_ className: String) -> [(attributes: String, cells: [String])] {
        let row = /<tr([^>]*)>(.*?)<\/tr>/.dotMatchesNewlines()
        let cell = /<td[^>]*>(.*?)<\/td>/.dotMatchesNewlines()
        return html.matches(of: row).compactMap { match in
            let attributes = String(match.output.1)
            guard let classes = attributes.firstMatch(of: /class="([^"]*)"/)?.output.1,
                classes.split(separator: " ").contains(Substring(className))
            else { return nil }
            let cells = String(match.output.2).matches(of: cell).map { Self.text(String($0.output.1)) }
            return (attributes, cells)
        }
    }

    /// The text of the element with `id`.
    func text(id: String) -> String? {
        let element = try? Regex(#"id="\#(id)"[^>]*>(.*?)</"#).dotMatchesNewlines()
        guard let element, let match = html.firstMatch(of: element), let inner = match.output[1].substring else {
            return nil
        }
        return Self.text(String(inner))
    }

    /// The text of the first element whose class list starts with `className`.
    func text(inClass className: String) -> String? {
        let element = try? Regex(#"class="\#(className)[^"]*"[^>]*>(.*?)</"#).dotMatchesNewlines()
        guard let element, let match = html.firstMatch(of: element), let inner = match.output[1].substring else {
            return nil
        }
        return Self.text(String(inner))
    }

    /// Markup removed, entities decoded, spaces collapsed.
    static func text(_ markup: String) -> String {
        markup.replacing(/<[^>]+>/, with: "")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&amp;", with: "&")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
