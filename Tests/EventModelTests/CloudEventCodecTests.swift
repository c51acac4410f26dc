import EventModel
import Testing

@Suite("CloudEvents structured and binary mode")
struct CloudEventCodecTests {
    static let events: [Event] = [
        typicalEvent,
        Event(id: "minimal", source: "calendar", type: "tick"),
        Event(
            id: "ext", source: "webhook", type: "com.example.push", dataSchema: "https://example.com/schema.json",
            extensions: ["traceparent": "00-abc-def-01", "priority": 5, "replayed": true], data: "just text"),
        Event(id: "bin", source: "camera", type: "frame", data: .binary([0, 1, 2, 255])),
        Event(id: "null", source: "s", type: "t", data: nil),
    ]

    @Test("structured mode survives encode then decode in both formats", arguments: events, EventFormat.allCases)
    func structuredRoundTrip(event: Event, format: EventFormat) throws {
        let payload = CloudEventCodec.encodeStructured(event, format: format)
        #expect(try CloudEventCodec.decode(payload: payload) == event)
        let labelled = try CloudEventCodec.decode(
            payload: payload, headers: ["Content-Type": format.structuredContentType])
        #expect(labelled == event)
    }

    @Test("binary mode carries attributes in ce- headers and data in the payload", arguments: EventFormat.allCases)
    func binaryRoundTrip(format: EventFormat) throws {
        let (headers, payload) = CloudEventCodec.encodeBinary(typicalEvent, dataFormat: format)
        #expect(headers["ce-id"] == typicalEvent.id)
        #expect(headers["ce-time"] == "2026-11-21T10:15:00.25Z")
        #expect(headers["content-type"] == format.contentType)
        var expected = typicalEvent
        expected.dataContentType = format.contentType
        #expect(try CloudEventCodec.decode(payload: payload, headers: headers) == expected)
    }

    @Test("binary-mode extensions become ce- headers and come back as strings")
    func binaryExtensions() throws {
        let event = Self.events[2]
        let (headers, payload) = CloudEventCodec.encodeBinary(event, dataFormat: .json)
        #expect(headers["ce-priority"] == "5")
        #expect(headers["ce-replayed"] == "true")
        let decoded = try CloudEventCodec.decode(payload: payload, headers: headers)
        #expect(decoded.extensions == ["traceparent": "00-abc-def-01", "priority": "5", "replayed": "true"])
        #expect(decoded.data == "just text")
    }

    @Test("binary mode decodes data by content type; header names are case-insensitive")
    func binaryContentTypes() throws {
        let headers = ["CE-SpecVersion": "1.0", "Ce-Id": "1", "ce-source": "s", "ce-type": "t"]
        func decode(_ contentType: String?, _ payload: [UInt8]) throws -> EventValue? {
            var headers = headers
            headers["Content-Type"] = contentType
            return try CloudEventCodec.decode(payload: payload, headers: headers).data
        }
        #expect(try decode(nil, Array(#"{"k":1}"#.utf8)) == ["k": 1])
        #expect(try decode("application/json; charset=utf-8", Array("[true]".utf8)) == [true])
        #expect(try decode("application/vnd.api+json", Array("2".utf8)) == 2)
        #expect(try decode("application/msgpack", hex("81 a1 6b 01")) == ["k": 1])
        #expect(try decode("application/x-msgpack", hex("c3")) == true)
        #expect(try decode("text/plain", Array("héllo".utf8)) == "héllo")
        #expect(try decode("application/octet-stream", [0, 159, 146, 150]) == .binary([0, 159, 146, 150]))
        #expect(try decode("application/json", []) == nil)
    }

    @Test("the context view holds the attributes and extensions")
    func context() {
        let context = Self.events[2].context
        #expect(context["id"] == "ext")
        #expect(context["source"] == "webhook")
        #expect(context["dataschema"] == "https://example.com/schema.json")
        #expect(context["priority"] == 5)
        #expect(context["subject"] == nil)
    }

    /// Structured payloads (JSON) that must be refused, with the error code and the path it names.
    static let structuredRefusals: [(String, String, String)] = [
        (#"{"specversion":"1.0","source":"s","type":"t"}"#, "missing_attribute", "$.id"),
        (#"{"specversion":"1.0","id":"","source":"s","type":"t"}"#, "missing_attribute", "$.id"),
        (#"{"id":"1","source":"s","type":"t"}"#, "missing_attribute", "$.specversion"),
        (#"{"specversion":"0.3","id":"1","source":"s","type":"t"}"#, "unsupported_specversion", "$.specversion"),
        (#"{"specversion":1.0,"id":"1","source":"s","type":"t"}"#, "wrong_attribute_type", "$.specversion"),
        (#"{"specversion":"1.0","id":7,"source":"s","type":"t"}"#, "wrong_attribute_type", "$.id"),
        (#"{"specversion":"1.0","id":"1","source":["s"],"type":"t"}"#, "wrong_attribute_type", "$.source"),
        (#"{"specversion":"1.0","id":"1","source":"s","type":{"a":1}}"#, "wrong_attribute_type", "$.type"),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"t","subject":false}"#, "wrong_attribute_type",
            "$.subject"
        ),
        (#"{"specversion":"1.0","id":"1","source":"s","type":"t","time":"yesterday"}"#, "invalid_attribute", "$.time"),
        (#"{"specversion":"1.0","id":"1","source":"s","type":"t","time":12}"#, "wrong_attribute_type", "$.time"),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"t","data":1,"data_base64":"AA=="}"#,
            "invalid_attribute",
            "$.data_base64"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":"A"}"#, "invalid_attribute",
            "$.data_base64"
        ),
        (#"{"specversion":"1.0","id":"1","source":"s","type":"t","Bad-Name":"x"}"#, "invalid_attribute", "$"),
        (#"{"specversion":"1.0","id":"1","source":"s","type":"t","ext":{"a":1}}"#, "wrong_attribute_type", "$.ext"),
        (#"{"specversion":"1.0","id":"1","source":"s","type":"t","data":{"a":[1,}}"#, "invalid_json", "$.data.a[1]"),
        (#"[1,2]"#, "unsupported_format", "$"),
        (#"hello"#, "unsupported_format", "$"),
        ("", "unsupported_format", "$"),
    ]

    @Test("structured events with wrong attributes name the attribute", arguments: structuredRefusals)
    func structuredRefusal(payload: String, code: String, path: String) {
        let error = decodingError { try CloudEventCodec.decode(payload: Array(payload.utf8)) }
        #expect(error?.code == code)
        #expect(error?.path == path)
    }

    @Test("wrong attribute types in MessagePack name the attribute and the type found")
    func messagePackAttributeTypes() {
        let payload = MessagePackCodec.encode(["specversion": "1.0", "id": .binary([1]), "source": "s", "type": "t"])
        let error = decodingError { try CloudEventCodec.decode(payload: payload) }
        #expect(error?.description == "CloudEvents attribute \"id\" must be a string, found binary at $.id")
    }

    @Test("binary mode with a missing or bad header names the header")
    func binaryRefusals() {
        let base = ["ce-specversion": "1.0", "ce-id": "1", "ce-source": "s", "ce-type": "t"]
        func error(_ change: (inout [String: String]) -> Void, payload: [UInt8] = []) -> EventDecodingError? {
            var headers = base
            change(&headers)
            return decodingError { try CloudEventCodec.decode(payload: payload, headers: headers) }
        }
        #expect(error { $0["ce-source"] = nil }?.path == "header ce-source")
        #expect(error { $0["ce-specversion"] = "0.3" }?.code == "unsupported_specversion")
        #expect(error { $0["ce-time"] = "noon" }?.path == "header ce-time")
        #expect(error { $0["ce-Bad_Name"] = "x" }?.code == "invalid_attribute")
        let badData = error({ $0["content-type"] = "application/json" }, payload: Array(#"{"a":}"#.utf8))
        #expect(badData?.path == "$.data.a")
        #expect(error({ $0["content-type"] = "text/plain" }, payload: [0xff])?.reason == .invalidUTF8)
        #expect(error({ _ in }, payload: [0x91, 0x01])?.code == "invalid_json")
    }

    @Test("a payload over the limit is refused in both modes")
    func payloadLimit() {
        let limits = DecodingLimits(maxPayloadBytes: 16)
        let payload = CloudEventCodec.encodeStructured(typicalEvent, format: .messagePack)
        #expect(
            decodingError { try CloudEventCodec.decode(payload: payload, limits: limits) }?.code == "payload_too_large")
        let (headers, data) = CloudEventCodec.encodeBinary(typicalEvent, dataFormat: .messagePack)
        #expect(
            decodingError { try CloudEventCodec.decode(payload: data, headers: headers, limits: limits) }?.code
                == "payload_too_large")
    }
}
