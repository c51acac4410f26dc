import ConfigReader
public import EventModel
import Foundation
public import JetStream

/// What `sensor-gateway publish` sends: a JSON document made into a MessagePack CloudEvent.
public enum EventPublication {
    /// JSON that cannot be published.
    public struct InputError: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    /// The event for `json`.
    ///
    /// A JSON object with `specversion` is a whole structured CloudEvent; anything else is the event's `data`. Flags
    /// override the attributes; missing ones default to: `id` a new UUID, `source` and `subject` from a
    /// `<prefix>.<source>.<name>` NATS subject (else `sensor-gateway` and none), `type` `sensor-gateway.publish`,
    /// `time` now.
    /// - Throws: ``InputError`` when the JSON does not parse or is an invalid CloudEvent.
    public static func event(
        json: [UInt8], natsSubject: String, type: String?, source: String?, id: String?
    ) throws(InputError) -> Event {
        let value: EventValue
        do {
            value = try JSONCodec.decode(json)
        } catch {
            throw InputError(description: "the data is not JSON: \(error)")
        }
        let parts = natsSubject.split(separator: ".", maxSplits: 2).map(String.init)
        var event: Event
        if value["specversion"] != nil {
            do {
                event = try CloudEventCodec.decode(
                    payload: json, headers: ["content-type": "application/cloudevents+json"])
            } catch {
                throw InputError(description: "not a valid CloudEvent: \(error)")
            }
        } else {
            event = Event(
                id: UUID().uuidString.lowercased(), source: parts.count == 3 ? parts[1] : "sensor-gateway",
                type: "sensor-gateway.publish", subject: parts.count == 3 ? parts[2] : nil,
                dataContentType: "application/json", data: value)
        }
        if let type { event.type = type }
        if let source { event.source = source }
        if let id { event.id = id }
        if event.time == nil {
            let now = Date().timeIntervalSince1970
            event.time = EventTimestamp(seconds: Int64(now.rounded(.down)))
        }
        return event
    }

    /// The message carrying `event` on `subject`: structured MessagePack (`application/cloudevents+msgpack`), or in
    /// binary mode `ce-*` headers with MessagePack `data`; `Nats-Msg-Id` is the event id, so a retried publish is
    /// stored once.
    public static func message(for event: Event, subject: String, binaryMode: Bool) -> OutgoingMessage {
        if binaryMode {
            let (headers, payload) = CloudEventCodec.encodeBinary(event, dataFormat: .messagePack)
            return OutgoingMessage(subject: subject, data: payload, headers: headers, messageID: event.id)
        }
        return OutgoingMessage(
            subject: subject, data: CloudEventCodec.encodeStructured(event, format: .messagePack),
            headers: ["content-type": EventFormat.messagePack.structuredContentType], messageID: event.id)
    }
}
