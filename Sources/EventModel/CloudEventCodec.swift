/// The wire encodings of a payload: MessagePack or JSON.
public enum EventFormat: String, Sendable, Hashable, CaseIterable {
    case messagePack = "msgpack"
    case json

    /// The media type of data in this format (`application/msgpack`, `application/json`).
    public var contentType: String {
        switch self {
        case .messagePack: "application/msgpack"
        case .json: "application/json"
        }
    }

    /// The media type of a structured-mode CloudEvent in this format.
    public var structuredContentType: String {
        switch self {
        case .messagePack: "application/cloudevents+msgpack"
        case .json: "application/cloudevents+json"
        }
    }
}

/// CloudEvents 1.0 over NATS: structured mode (the payload is a map of attributes and `data`) and binary mode
/// (attributes in `ce-*` headers, the payload is `data`, its media type in `content-type`).
///
/// Decoding picks the mode from the headers (binary when `ce-specversion` is present) and, in structured mode,
/// the format from `content-type` or else from the first byte (`{` is JSON, a map header is MessagePack).
/// In binary mode the data is decoded by its `content-type`: JSON (also when absent, as CloudEvents' JSON
/// format assumes), MessagePack, `text/*` as a string, anything else kept as `.binary`.
public enum CloudEventCodec {
    /// Decodes one message into an event.
    /// - Parameters:
    ///   - payload: the message body, read during the call only.
    ///   - headers: the message headers; names are matched case-insensitively.
    ///   - limits: bounds on the payload.
    /// - Throws: ``EventDecodingError`` naming the attribute, header or value that is wrong.
    public static func decode(
        payload: UnsafeRawBufferPointer, headers: [String: String] = [:], limits: DecodingLimits = .default
    ) throws(EventDecodingError) -> Event {
        try decode(payload: payload, headers: headers, limits: limits, reducingDataTo: nil)
    }

    /// Decodes one message into an event whose `data`, when it is a map of a structured MessagePack event, holds
    /// only the entries under `dataKeys` (in every other case the whole event): what reads only those entries of
    /// `data` (and the attributes) sees what it would see in the whole event, for less work.
    ///
    /// The same messages are rejected as by ``decode(payload:headers:limits:)``, with the same error: the entries not
    /// built are still checked.
    public static func decode(
        payload: UnsafeRawBufferPointer, headers: [String: String] = [:], limits: DecodingLimits = .default,
        dataKeys: Set<String>
    ) throws(EventDecodingError) -> Event {
        do throws(EventDecodingError) {
            return try decode(payload: payload, headers: headers, limits: limits, reducingDataTo: dataKeys)
        } catch {
            // The whole decode says what is wrong exactly as it always does.
            return try decode(payload: payload, headers: headers, limits: limits, reducingDataTo: nil)
        }
    }

    private static func decode(
        payload: UnsafeRawBufferPointer, headers: [String: String], limits: DecodingLimits,
        reducingDataTo dataKeys: Set<String>?
    ) throws(EventDecodingError) -> Event {
        guard payload.count <= limits.maxPayloadBytes else {
            throw EventDecodingError(.payloadTooLarge(size: payload.count, limit: limits.maxPayloadBytes))
        }
        let headers = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        if headers["ce-specversion"] != nil {
            return try decodeBinary(payload: payload, headers: headers, limits: limits)
        }
        let value: EventValue
        switch try structuredFormat(payload: payload, contentType: headers["content-type"]) {
        case .messagePack:
            value =
                if let dataKeys {
                    try MessagePackCodec.decodeStructured(payload, limits: limits, dataKeys: dataKeys)
                } else {
                    try MessagePackCodec.decode(payload, limits: limits)
                }
        case .json: value = try JSONCodec.decode(payload, limits: limits)
        }
        guard case .map(let attributes) = value else {
            throw EventDecodingError(.unsupportedFormat("a structured event must be a map, found \(value.typeName)"))
        }
        return try event(fromStructured: attributes)
    }

    /// Decodes one message into an event.
    /// - Throws: ``EventDecodingError`` naming the attribute, header or value that is wrong.
    public static func decode(
        payload: [UInt8], headers: [String: String] = [:], limits: DecodingLimits = .default
    ) throws(EventDecodingError) -> Event {
        try withTypedBytes(payload) { buffer throws(EventDecodingError) in
            try decode(payload: buffer, headers: headers, limits: limits)
        }
    }

    /// The structured-mode payload of `event`: a map of its attributes and `data`. In JSON, binary data is
    /// written as `data_base64`; `time` is RFC 3339 text in both formats.
    public static func encodeStructured(_ event: Event, format: EventFormat) -> [UInt8] {
        var attributes = EventMap()
        for (name, value) in event.stringAttributes { attributes[name] = .string(value) }
        for name in event.extensions.keys.sorted() { attributes[name] = event.extensions[name] }
        switch (event.data, format) {
        case (.binary(let bytes), .json): attributes["data_base64"] = .string(Base64.encode(bytes))
        case (let data?, _): attributes["data"] = data
        case (nil, _): break
        }
        switch format {
        case .messagePack: return MessagePackCodec.encode(.map(attributes))
        case .json: return JSONCodec.encode(.map(attributes))
        }
    }

    /// The binary-mode headers and payload of `event`: attributes as `ce-*` headers, `data` encoded in
    /// `dataFormat` (whose media type becomes `content-type`); no payload and no `content-type` without data.
    public static func encodeBinary(_ event: Event, dataFormat: EventFormat) -> (
        headers: [String: String], payload: [UInt8]
    ) {
        var headers: [String: String] = [:]
        for (name, value) in event.stringAttributes where name != "datacontenttype" { headers["ce-" + name] = value }
        for (name, value) in event.extensions { headers["ce-" + name] = headerText(value) }
        guard let data = event.data else { return (headers, []) }
        headers["content-type"] = dataFormat.contentType
        switch dataFormat {
        case .messagePack: return (headers, MessagePackCodec.encode(data))
        case .json: return (headers, JSONCodec.encode(data))
        }
    }

    private static func structuredFormat(payload: UnsafeRawBufferPointer, contentType: String?)
        throws(EventDecodingError) -> EventFormat
    {
        if let contentType = contentType.map(mediaType) {
            if contentType == EventFormat.json.structuredContentType || isJSON(contentType) { return .json }
            if contentType == EventFormat.messagePack.structuredContentType || isMessagePack(contentType) {
                return .messagePack
            }
        }
        guard let first = payload.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) else {
            throw EventDecodingError(.unsupportedFormat("empty payload and no ce-specversion header"))
        }
        switch first {
        case UInt8(ascii: "{"): return .json
        case 0x80...0x8f, 0xde, 0xdf: return .messagePack
        default:
            throw EventDecodingError(
                .unsupportedFormat(
                    "payload starts with byte 0x\(String(first, radix: 16)): neither a JSON object nor a MessagePack map"
                ))
        }
    }

    private static func decodeBinary(
        payload: UnsafeRawBufferPointer, headers: [String: String], limits: DecodingLimits
    ) throws(EventDecodingError) -> Event {
        func required(_ name: String) throws(EventDecodingError) -> String {
            guard let value = headers["ce-" + name], !value.isEmpty else {
                throw EventDecodingError(.missingAttribute(name), path: "header ce-\(name)")
            }
            return value
        }
        let specVersion = try required("specversion")
        guard specVersion == "1.0" else {
            throw EventDecodingError(.unsupportedSpecVersion(specVersion), path: "header ce-specversion")
        }
        var event = Event(
            specVersion: specVersion, id: try required("id"), source: try required("source"),
            type: try required("type"),
            subject: headers["ce-subject"], dataContentType: headers["content-type"],
            dataSchema: headers["ce-dataschema"])
        if let time = headers["ce-time"] {
            guard let parsed = EventTimestamp(rfc3339: time) else {
                throw EventDecodingError(
                    .invalidAttribute(attribute: "time", reason: "\"\(time)\" is not an RFC 3339 timestamp"),
                    path: "header ce-time")
            }
            event.time = parsed
        }
        for (name, value) in headers where name.hasPrefix("ce-") {
            let attribute = String(name.dropFirst(3))
            guard !isStandardAttribute(attribute) else { continue }
            guard isValidExtensionName(attribute) else {
                throw EventDecodingError(
                    .invalidAttribute(attribute: attribute, reason: "names are lower-case letters and digits"),
                    path: "header \(name)")
            }
            event.extensions[attribute] = .string(value)
        }
        guard !payload.isEmpty else { return event }
        let mediaType = event.dataContentType.map(mediaType) ?? EventFormat.json.contentType
        do throws(EventDecodingError) {
            if isJSON(mediaType) {
                event.data = try JSONCodec.decode(payload, limits: limits)
            } else if isMessagePack(mediaType) {
                event.data = try MessagePackCodec.decode(payload, limits: limits)
            } else if mediaType.hasPrefix("text/") {
                guard let text = UTF8Text.string(payload.bindMemory(to: UInt8.self)) else {
                    throw EventDecodingError(.invalidUTF8)
                }
                event.data = .string(text)
            } else {
                event.data = .binary(Array(payload))
            }
        } catch {
            throw error.nested(in: .key("data"))
        }
        return event
    }

    private static func event(fromStructured attributes: EventMap) throws(EventDecodingError) -> Event {
        func string(_ name: String, required: Bool) throws(EventDecodingError) -> String? {
            switch attributes[name] {
            case .string(let value) where !value.isEmpty || !required: return value
            case nil, .null, .string:
                if required { throw EventDecodingError(.missingAttribute(name), path: "$.\(name)") }
                return nil
            case let value?:
                throw EventDecodingError(
                    .wrongAttributeType(attribute: name, expected: "a string", found: value.typeName), path: "$.\(name)"
                )
            }
        }
        guard let specVersion = try string("specversion", required: true), specVersion == "1.0" else {
            throw EventDecodingError(
                .unsupportedSpecVersion(attributes["specversion"]?.stringValue ?? ""), path: "$.specversion")
        }
        var event = Event(
            specVersion: specVersion, id: try string("id", required: true) ?? "",
            source: try string("source", required: true) ?? "", type: try string("type", required: true) ?? "",
            subject: try string("subject", required: false),
            dataContentType: try string("datacontenttype", required: false),
            dataSchema: try string("dataschema", required: false))
        switch attributes["time"] {
        case nil, .null: break
        case .timestamp(let time): event.time = time
        case .string(let text):
            guard let time = EventTimestamp(rfc3339: text) else {
                throw EventDecodingError(
                    .invalidAttribute(attribute: "time", reason: "\"\(text)\" is not an RFC 3339 timestamp"),
                    path: "$.time")
            }
            event.time = time
        case let value?:
            throw EventDecodingError(
                .wrongAttributeType(
                    attribute: "time", expected: "an RFC 3339 string or a timestamp", found: value.typeName),
                path: "$.time")
        }
        switch (attributes["data"], attributes["data_base64"]) {
        case (let data, nil): event.data = data
        case (nil, .string(let text)):
            guard let bytes = Base64.decode(text) else {
                throw EventDecodingError(
                    .invalidAttribute(attribute: "data_base64", reason: "not base64"), path: "$.data_base64")
            }
            event.data = .binary(bytes)
        case (nil, let value?):
            throw EventDecodingError(
                .wrongAttributeType(attribute: "data_base64", expected: "a string", found: value.typeName),
                path: "$.data_base64")
        case (_?, _?):
            throw EventDecodingError(
                .invalidAttribute(attribute: "data_base64", reason: "present together with data"), path: "$.data_base64"
            )
        }
        for (name, value) in attributes where !isStandardAttribute(name) && name != "data" && name != "data_base64" {
            guard isValidExtensionName(name) else {
                throw EventDecodingError(
                    .invalidAttribute(attribute: name, reason: "extension names are lower-case letters and digits"),
                    path: "$")
            }
            switch value {
            case .null: continue
            case .array, .map:
                throw EventDecodingError(
                    .wrongAttributeType(attribute: name, expected: "a scalar", found: value.typeName), path: "$.\(name)"
                )
            default: event.extensions[name] = value
            }
        }
        return event
    }

    private static func isStandardAttribute(_ name: String) -> Bool {
        switch name {
        case "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema": true
        default: false
        }
    }

    private static func isValidExtensionName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
    }

    /// The media type without parameters, lower-cased: `Application/JSON; charset=utf-8` → `application/json`.
    private static func mediaType(_ contentType: String) -> String {
        String(contentType.prefix(while: { $0 != ";" })).trimmingSpaces().lowercased()
    }

    private static func isJSON(_ mediaType: String) -> Bool {
        mediaType == "application/json" || mediaType == "text/json" || mediaType.hasSuffix("+json")
    }

    private static func isMessagePack(_ mediaType: String) -> Bool {
        ["application/msgpack", "application/x-msgpack", "application/vnd.msgpack"].contains(mediaType)
            || mediaType.hasSuffix("+msgpack")
    }

    /// An extension value as header text: strings as they are, other scalars as their JSON text unquoted.
    private static func headerText(_ value: EventValue) -> String {
        switch value {
        case .string(let text): text
        case .timestamp(let time): time.rfc3339
        case .binary(let bytes): Base64.encode(bytes)
        default: JSONCodec.encodeToString(value)
        }
    }
}

extension Event {
    /// The string-valued standard attributes that are set, by CloudEvents name.
    fileprivate var stringAttributes: [(String, String)] {
        var attributes = [("specversion", specVersion), ("id", id), ("source", source), ("type", type)]
        if let subject { attributes.append(("subject", subject)) }
        if let time { attributes.append(("time", time.rfc3339)) }
        if let dataContentType { attributes.append(("datacontenttype", dataContentType)) }
        if let dataSchema { attributes.append(("dataschema", dataSchema)) }
        return attributes
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
