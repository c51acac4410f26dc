import EventModel
import Foundation
import SensorEngine

/// Writes the request a trigger would send as a JSON file, when its server is not configured: the laptop demo.
///
/// The file is `<directory>/<engine>-<deterministic name>.json` and holds `engine`, `method`, `url`, `headers`
/// (never `Authorization` or a secure header), `body`, `sensor`, `trigger` and `events` (dependency → event id);
/// a KFP run adds `resolve`, the names the executor would turn into ids. The file is created exclusively, so a
/// redelivered event finds it and counts as already done.
struct Outbox: Sendable {
    let directory: String

    /// One request to record.
    struct Record {
        var engine: String
        var name: String
        var method: String
        var url: String
        var headers: [(name: String, value: String)]
        var body: EventValue?
        var identity: FiringIdentity
        var extra: EventMap = [:]
    }

    /// A trigger's body as the record holds it: a JSON document as it is, text as a string.
    static func value(of body: TriggerAction.Body) -> EventValue {
        switch body {
        case .json(let value): value
        case .text(let text): .string(text)
        }
    }

    /// Writes `record`; `false` when its file already exists.
    /// - Throws: ``TriggerError`` (`outbox`) naming the file when it cannot be written.
    func write(_ record: Record) throws(TriggerError) -> (path: String, created: Bool) {
        var headers = EventMap()
        for header in record.headers { headers[header.name] = .string(header.value) }
        var document: EventMap = [
            "engine": .string(record.engine), "method": .string(record.method), "url": .string(record.url),
            "headers": .map(headers),
        ]
        if let body = record.body { document["body"] = body }
        document["sensor"] = .string(record.identity.sensor)
        document["trigger"] = .string(record.identity.trigger)
        document["events"] = .map(EventMap(record.identity.eventIDs.mapValues(EventValue.string)))
        for (key, value) in record.extra { document[key] = value }
        let path = directory + "/" + FiringIdentity.dnsLabel(record.engine, limit: 20) + "-" + record.name + ".json"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TriggerError(
                .outbox, "cannot create the outbox directory \(directory): \(error.localizedDescription)")
        }
        // Written to a temporary file, then linked into place: link(2) fails when the name exists, so the file
        // appears whole and only once.
        let temporary = directory + "/.tmp-\(UUID().uuidString)"
        let data = Data(JSONCodec.encode(.map(document)) + [UInt8(ascii: "\n")])
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw TriggerError(.outbox, "cannot write \(temporary)")
        }
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return (path, true) }
        let failure = errno
        if failure == EEXIST { return (path, false) }
        throw TriggerError(.outbox, "cannot create \(path): " + String(cString: strerror(failure)))
    }
}
