import ConfigReader
import EventModel
import EventSources
import Foundation
import Gateway
import Testing

/// `sources:` in gateway.yaml, the request forms of `POST /v1/events`, and schedule ticks.
struct EventSourceTests {
    static let now = EventTimestamp(seconds: 1_795_000_000)

    /// A full `sources:` section parses into the endpoint and the schedules.
    @Test func sourcesParse() throws {
        let configuration = try GatewayConfiguration.parse(
            """
            sources:
              http:
                listen: 0.0.0.0:8080
                tokenFile: /var/run/secrets/events/token
                maxBodyBytes: 4096
                tls: {cert: /tls/tls.crt, key: /tls/tls.key}
              schedules:
                - name: nightly
                  cron: "0 2 * * *"
                  timezone: Europe/Berlin
                  missed: catchUpLast
                  event:
                    type: com.acme.retrain
                    source: scheduler
                    data: {model: churn, epochs: 3, full: true, note: "7"}
                - name: heartbeat
                  interval: 1s
                  event: {type: com.acme.heartbeat}

            """, file: "g.yaml", environment: [:])
        let http = try #require(configuration.sources.http)
        #expect(http.host == "0.0.0.0")
        #expect(http.port == 8080)
        #expect(http.authentication == .bearerTokenFile("/var/run/secrets/events/token"))
        #expect(http.maxBodyBytes == 4096)
        #expect(http.tls?.certificateFile == "/tls/tls.crt")
        let schedules = configuration.sources.schedules
        #expect(schedules.map(\.name) == ["nightly", "heartbeat"])
        #expect(schedules[0].missed == .catchUpLast)
        #expect(schedules[0].source == "scheduler")
        #expect(schedules[0].subject == "nightly")
        #expect(schedules[0].data == ["model": "churn", "epochs": 3, "full": true, "note": "7"])
        #expect(schedules[1].missed == .skip)
        #expect(schedules[1].source == "schedules")
        #expect(schedules[1].data == nil)
    }

    /// Without `sources:` there is no endpoint and no schedule.
    @Test func sourcesAreOffByDefault() throws {
        let configuration = try GatewayConfiguration.parse("nats: {stream: EVENTS}\n", file: "g.yaml", environment: [:])
        #expect(configuration.sources.http == nil)
        #expect(configuration.sources.schedules.isEmpty)
    }

    /// Errors name the file, the key and its line.
    @Test(arguments: [
        ("sources:\n  http:\n    listen: 127.0.0.1:8080\n", "g.yaml:3:5: error: sources.http.tokenFile is required"),
        (
            "sources:\n  http:\n    listen: 127.0.0.1:8080\n    tokenFile: /t\n    allowUnauthenticated: true\n",
            "g.yaml:5:27: error: sources.http.allowUnauthenticated: set tokenFile or allowUnauthenticated: true, not both"
        ),
        ("sources:\n  http: {allowUnauthenticated: true}\n", "g.yaml:2:9: error: sources.http.listen is required"),
        ("sources:\n  hooks: {}\n", "g.yaml:2:3: error: unknown key sources.hooks"),
        (
            "sources:\n  http:\n    listen: :1\n    allowUnauthenticated: true\n    tls: {cert: /c}\n",
            "g.yaml:5:10: error: sources.http.tls.key: cert and key go together"
        ),
        (
            "sources:\n  schedules:\n    - name: a\n      cron: \"* * *\"\n      event: {type: t}\n",
            "g.yaml:4:13: error: sources.schedules[0].cron: bad cron '* * *': expected 5 fields"
        ),
        (
            "sources:\n  schedules:\n    - name: a\n      interval: 1s\n      cron: \"* * * * *\"\n      event: {type: t}\n",
            "g.yaml:4:17: error: sources.schedules[0].interval: set cron or interval, not both"
        ),
        (
            "sources:\n  schedules:\n    - name: a\n      interval: 500ms\n      event: {type: t}\n",
            "g.yaml:4:17: error: sources.schedules[0].interval must be at least 1s"
        ),
        (
            "sources:\n  schedules:\n    - name: a\n      cron: \"* * * * *\"\n      timezone: Mars/Olympus\n      event: {type: t}\n",
            "g.yaml:5:17: error: sources.schedules[0].timezone: unknown time zone"
        ),
        (
            "sources:\n  schedules:\n    - name: a.b\n      interval: 1s\n      event: {type: t}\n",
            "g.yaml:3:13: error: sources.schedules[0].name: letters, digits, - and _ only"
        ),
        (
            "sources:\n  schedules:\n    - name: a\n      interval: 1s\n      event: {type: t, subject: x.y}\n",
            "g.yaml:5:33: error: sources.schedules[0].event.subject must be one NATS subject token"
        ),
        (
            "sources:\n  schedules:\n    - {name: a, interval: 1s, missed: later, event: {type: t}}\n",
            "g.yaml:3:39: error: sources.schedules[0].missed: expected skip or catchUpLast"
        ),
        (
            "sources:\n  schedules:\n    - {name: a, interval: 1s, event: {type: t}}\n    - {name: a, interval: 2s, event: {type: t}}\n",
            "g.yaml:4:14: error: sources.schedules[1].name: the name 'a' is used twice"
        ),
        (
            "sources:\n  schedules:\n    - {name: a, interval: 1s}\n",
            "g.yaml:3:7: error: sources.schedules[0].event is required"
        ),
    ])
    func sourceErrors(text: String, expected: String) {
        #expect {
            _ = try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    /// Interval ticks are counted from the epoch, so replicas agree on them; cron ticks follow the expression.
    @Test func ticks() throws {
        let configuration = try GatewayConfiguration.parse(
            """
            sources:
              schedules:
                - {name: fast, interval: 1s, event: {type: t}}
                - {name: slow, interval: 90s, event: {type: t}}
                - {name: hourly, cron: "15 * * * *", event: {type: t}}

            """, file: "g.yaml", environment: [:])
        let (fast, slow, hourly) = (
            configuration.sources.schedules[0], configuration.sources.schedules[1], configuration.sources.schedules[2]
        )
        let instant = EventTimestamp(seconds: 1_795_000_000, nanoseconds: 400_000_000)
        #expect(fast.nextTick(after: instant) == EventTimestamp(seconds: 1_795_000_001))
        #expect(fast.previousTick(atOrBefore: instant) == EventTimestamp(seconds: 1_795_000_000))
        #expect(fast.nextTick(after: EventTimestamp(seconds: 1_795_000_001)) == EventTimestamp(seconds: 1_795_000_002))
        // 1_795_000_000 = 19_944_444 × 90 + 40.
        #expect(slow.nextTick(after: instant) == EventTimestamp(seconds: 1_795_000_050))
        #expect(slow.previousTick(atOrBefore: instant) == EventTimestamp(seconds: 1_794_999_960))
        let next = try #require(hourly.nextTick(after: instant))
        #expect(next.seconds % 3600 == 15 * 60)
        #expect(next.seconds > instant.seconds && next.seconds - instant.seconds <= 3600)
    }

    static let structured = Array(
        #"{"specversion":"1.0","id":"e1","source":"shop","type":"order.created","subject":"order","data":{"sku":"A-7"}}"#
            .utf8)

    static func decode(
        _ body: [UInt8], headers: [String: String], query: [String: String] = [:], limit: Int = 4096
    ) throws(EventSourceError) -> Event {
        try HTTPEventDecoder.event(body: body, headers: headers, query: query, maxBodyBytes: limit, now: now)
    }

    /// Structured, binary (JSON and MessagePack data) and plain JSON requests make the same event.
    @Test func requestForms() throws {
        let structured = try Self.decode(Self.structured, headers: ["content-type": "application/cloudevents+json"])
        #expect(structured.id == "e1")
        #expect(structured.subject == "order")
        #expect(structured.data == ["sku": "A-7"])
        #expect(structured.time == Self.now)

        let binaryHeaders = [
            "ce-specversion": "1.0", "ce-id": "e1", "ce-source": "shop", "ce-type": "order.created",
            "ce-subject": "order", "ce-time": "2026-11-22T03:00:00Z",
        ]
        var headers = binaryHeaders
        headers["content-type"] = "application/json"
        let binary = try Self.decode(Array(#"{"sku":"A-7"}"#.utf8), headers: headers)
        #expect(binary.id == "e1" && binary.source == "shop" && binary.subject == "order")
        #expect(binary.data == ["sku": "A-7"])
        #expect(binary.time == EventTimestamp(rfc3339: "2026-11-22T03:00:00Z"))

        headers["content-type"] = "application/msgpack"
        let msgpack = try Self.decode(MessagePackCodec.encode(["sku": "A-7"]), headers: headers)
        #expect(msgpack.data == ["sku": "A-7"])

        let plain = try Self.decode(
            Array(#"{"sku":"A-7"}"#.utf8), headers: ["content-type": "application/json; charset=utf-8"],
            query: ["source": "shop", "type": "order.created", "subject": "order", "id": "p1"])
        #expect(plain.id == "p1" && plain.source == "shop" && plain.type == "order.created" && plain.subject == "order")
        #expect(plain.data == ["sku": "A-7"])
        let generated = try Self.decode(
            Array("[1]".utf8), headers: ["content-type": "application/json"], query: ["source": "s", "type": "t"])
        #expect(UUID(uuidString: generated.id) != nil)
    }

    /// The request's `traceparent` header becomes the event's distributed-tracing extension, unless the event
    /// carries its own (structured attribute or `ce-traceparent`), which is the origin's and wins.
    @Test func traceparentHeaderContinuesTheCallersTrace() throws {
        let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let origin = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let structured = try Self.decode(
            Self.structured,
            headers: [
                "content-type": "application/cloudevents+json", "traceparent": caller, "tracestate": "vendor=a",
            ])
        #expect(structured.extensions["traceparent"] == .string(caller))
        #expect(structured.extensions["tracestate"] == .string("vendor=a"))
        let binary = try Self.decode(
            Array("{}".utf8),
            headers: [
                "ce-specversion": "1.0", "ce-id": "e1", "ce-source": "shop", "ce-type": "t",
                "ce-traceparent": origin, "traceparent": caller, "content-type": "application/json",
            ])
        #expect(binary.extensions["traceparent"] == .string(origin))
        let untraced = try Self.decode(Self.structured, headers: ["content-type": "application/cloudevents+json"])
        #expect(untraced.extensions["traceparent"] == nil)
    }

    /// Bad requests name what is wrong, with the status a client sees.
    @Test(
        arguments: [
            (
                Array(#"{"specversion":"1.0","id":"#.utf8), ["content-type": "application/cloudevents+json"], [:], 400,
                "truncated"
            ),
            (
                Array(#"{"specversion":"1.0","source":"s","type":"t"}"#.utf8),
                ["content-type": "application/cloudevents+json"],
                [:], 400, "missing_attribute"
            ),
            (
                Array(#"{"specversion":"1.0","id":"i","source":"s"}"#.utf8),
                ["content-type": "application/cloudevents+json"],
                [:], 400, "missing_attribute"
            ),
            (Array("hello".utf8), ["content-type": "text/plain"], [:], 415, "unsupported_media_type"),
            (Array("{}".utf8), [:], [:], 415, "unsupported_media_type"),
            (Array("{}".utf8), ["content-type": "application/json"], ["source": "s"], 400, "missing_parameter"),
            (
                Array("{nope".utf8), ["content-type": "application/json"], ["source": "s", "type": "t"], 400,
                "invalid_json"
            ),
            (
                Array("{}".utf8),
                ["ce-specversion": "1.0", "ce-id": "i", "ce-source": "s", "content-type": "application/json"],
                [:], 400, "missing_attribute"
            ),
            (
                Array("x".utf8),
                [
                    "ce-specversion": "1.0", "ce-id": "i", "ce-source": "s", "ce-type": "t",
                    "content-type": "text/plain",
                ],
                [:], 415, "unsupported_media_type"
            ),
        ] as [([UInt8], [String: String], [String: String], Int, String)])
    func badRequests(body: [UInt8], headers: [String: String], query: [String: String], status: Int, reason: String) {
        #expect {
            _ = try Self.decode(body, headers: headers, query: query)
        } throws: { error in
            guard let error = error as? EventSourceError else { return false }
            return error.status == status && error.reason == reason && !error.detail.isEmpty
        }
    }

    /// A body over the limit is 413, whatever its form.
    @Test func oversizeBody() {
        for headers in [["content-type": "application/cloudevents+json"], ["ce-specversion": "1.0", "ce-id": "i"]] {
            #expect {
                _ = try Self.decode(Array(repeating: 0x20, count: 5000), headers: headers)
            } throws: { error in
                (error as? EventSourceError)?.status == 413
                    && (error as? EventSourceError)?.reason == "payload_too_large"
            }
        }
        #expect(throws: EventSourceError.self) {
            _ = try Self.decode(
                Array(repeating: 0x20, count: 5000), headers: ["content-type": "application/json"],
                query: ["source": "s", "type": "t"])
        }
    }

    /// A missing attribute is named in the detail.
    @Test func missingAttributeIsNamed() {
        #expect {
            _ = try Self.decode(
                Array(#"{"specversion":"1.0","source":"s","type":"t"}"#.utf8),
                headers: ["content-type": "application/cloudevents+json"])
        } throws: { error in
            "\(error)".contains(#""id""#)
        }
    }
}
