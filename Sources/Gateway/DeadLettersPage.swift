import EventModel
import Foundation
import Hummingbird
import JetStream

/// `GET /api/dead-letters?limit=`: the latest dead letters of the dead-letter stream, newest first, read over the
/// gateway's NATS connection on request. Each entry has the dead letter's headers, the event id and the command that
/// replays it; never a payload.
enum DeadLettersPage {
    /// The largest `limit`.
    static let maximumLimit = 200
    /// `limit` when the query names none.
    static let defaultLimit = 50

    /// 200 with the entries; 400 for a bad `limit`; 503 while NATS is not connected or the stream cannot be read.
    static func answer(_ request: Request, state: GatewayState, stream: String) async -> Response {
        var limit = defaultLimit
        if let text = request.uri.queryParameters["limit"].map(String.init) {
            guard let value = Int(text), (1...maximumLimit).contains(value) else {
                return AdminServer.json(
                    .badRequest,
                    .map(["error": .string("limit must be a whole number from 1 to \(maximumLimit), not \"\(text)\"")]))
            }
            limit = value
        }
        guard let connection = state.connection, connection.state == .connected else {
            return AdminServer.json(.serviceUnavailable, .map(["error": "NATS not connected"]))
        }
        let queue = DeadLetterQueue(connection: connection, stream: stream)
        do throws(NATSError) {
            let (total, letters) = try await queue.newestFirst(limit: limit)
            return AdminServer.json(
                .ok,
                .map([
                    "stream": .string(stream), "total": .int(Int64(clamping: total)),
                    "entries": .array(letters.map { entry($0, stream: stream) }),
                ]))
        } catch {
            return AdminServer.json(
                .serviceUnavailable, .map(["error": .string("the dead-letter stream cannot be read: \(error)")]))
        }
    }

    /// One dead letter: its headers, the event id when it has one, and the replay command.
    static func entry(_ letter: DeadLetter, stream: String) -> EventValue {
        let sequence = letter.stored.sequence
        var map: EventMap = [
            "sequence": .int(Int64(clamping: sequence)), "time": .string(timestamp(letter.stored.timestampNanoseconds)),
            "reason": .string(letter.reason), "sensor": .string(letter.sensor), "trigger": .string(letter.trigger),
            "firing": .string(letter.firing), "subject": .string(letter.subject),
            "streamSequence": .int(Int64(letter.originalSequence) ?? 0),
            "deliveries": .int(Int64(letter.deliveries) ?? 0),
            "replay": .string(
                "sensor-gateway dlq replay "
                    + (stream == DeadLetterQueue.defaultStream ? "" : "--stream \(stream) ") + "\(sequence)"),
        ]
        if let id = letter.eventID { map["eventId"] = .string(id) }
        return .map(map)
    }

    private static func timestamp(_ nanoseconds: Int64) -> String {
        let (seconds, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return EventTimestamp(seconds: seconds, nanoseconds: UInt32(clamping: max(0, remainder))).rfc3339
    }
}
