import EventModel
public import Foundation
public import JetStream

/// A message of the dead-letter stream as the gateway wrote it: the original payload and headers plus the
/// ``DeadLetterHeaders``.
public struct DeadLetter: Sendable {
    /// The message as stored in the dead-letter stream.
    public let stored: StoredMessage

    /// Wraps a stored message.
    public init(_ stored: StoredMessage) {
        self.stored = stored
    }

    /// `Sensor-Gateway-Reason`: `undecodable: …`, `permanent: …` or `exhausted: …`.
    public var reason: String { stored.header(DeadLetterHeaders.reason) ?? "" }
    /// `Sensor-Gateway-Sensor`: empty for an undecodable message.
    public var sensor: String { stored.header(DeadLetterHeaders.sensor) ?? "" }
    /// `Sensor-Gateway-Trigger`: empty for an undecodable message.
    public var trigger: String { stored.header(DeadLetterHeaders.trigger) ?? "" }
    /// `Sensor-Gateway-Firing`: the firing's id; empty for a message that caused none.
    public var firing: String { stored.header(DeadLetterHeaders.firing) ?? "" }
    /// `Sensor-Gateway-Subject`: the subject the event was published to; empty when this is not a gateway dead
    /// letter.
    public var subject: String { stored.header(DeadLetterHeaders.subject) ?? "" }
    /// `Sensor-Gateway-Stream-Sequence`: the event's sequence in its stream.
    public var originalSequence: String { stored.header(DeadLetterHeaders.streamSequence) ?? "" }
    /// `Sensor-Gateway-Deliveries`.
    public var deliveries: String { stored.header(DeadLetterHeaders.deliveries) ?? "" }
    /// When the dead letter was stored.
    public var storedAt: Date { Date(timeIntervalSince1970: Double(stored.timestampNanoseconds) / 1e9) }

    /// The id of the dead-lettered event (its `ce-id` header, else the `id` of the structured payload); nil when the
    /// message is not a CloudEvent.
    public var eventID: String? {
        let headers = stored.headers.compactMapValues(\.first)
        if let id = headers.first(where: { $0.key.lowercased() == "ce-id" })?.value { return id }
        return try? CloudEventCodec.decode(payload: stored.data, headers: headers).id
    }

    /// The message a replay publishes: the original payload to the original subject with the original headers (none
    /// of the gateway's), addressed to the sensor and trigger that failed (``ReplayHeaders``), and with
    /// `Nats-Msg-Id: replay-<subject>-<original sequence>[-<sensor>-<trigger>]`, so that replaying a dead letter
    /// twice within the events stream's duplicate window stores it once.
    /// - Returns: nil when the message carries no `Sensor-Gateway-Subject`: it is not a gateway dead letter.
    public var replay: OutgoingMessage? {
        guard !subject.isEmpty else { return nil }
        var headers: [String: String] = [:]
        for (name, values) in stored.headers where !name.hasPrefix("Sensor-Gateway-") && name != "Nats-Msg-Id" {
            if let value = values.first { headers[name] = value }
        }
        var messageID = "replay-\(subject)-\(originalSequence)"
        if !sensor.isEmpty {
            headers[ReplayHeaders.sensor] = sensor
            if !trigger.isEmpty { headers[ReplayHeaders.trigger] = trigger }
            messageID += "-\(sensor)-\(trigger)"
        }
        return OutgoingMessage(subject: subject, data: stored.data, headers: headers, messageID: messageID)
    }
}

/// Which dead letters `dlq list` and `dlq replay` take: each criterion that is set must hold.
public struct DeadLetterFilter: Sendable {
    /// The sensor, exactly.
    public var sensor: String?
    /// The trigger, exactly.
    public var trigger: String?
    /// Text the reason contains, in any letter case (`permanent`, `403`).
    public var reason: String?
    /// Stored at or after.
    public var since: Date?
    /// Stored before.
    public var until: Date?

    /// Creates a filter; with no argument, it takes every dead letter.
    public init(
        sensor: String? = nil, trigger: String? = nil, reason: String? = nil, since: Date? = nil, until: Date? = nil
    ) {
        self.sensor = sensor
        self.trigger = trigger
        self.reason = reason
        self.since = since
        self.until = until
    }

    /// Whether no criterion is set.
    public var isEmpty: Bool { sensor == nil && trigger == nil && reason == nil && since == nil && until == nil }

    /// Whether `letter` meets every criterion set.
    public func admits(_ letter: DeadLetter) -> Bool {
        if let sensor, letter.sensor != sensor { return false }
        if let trigger, letter.trigger != trigger { return false }
        if let reason, !letter.reason.localizedCaseInsensitiveContains(reason) { return false }
        if let since, letter.storedAt < since { return false }
        if let until, letter.storedAt >= until { return false }
        return true
    }
}
