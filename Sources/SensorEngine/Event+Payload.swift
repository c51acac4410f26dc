import ConfigReader
import EventModel
import SensorLanguage
import SensorModel

/// An event's data as filters and parameters read it.
enum EventPayload {
    /// The event has no data.
    case absent
    /// Structured data (decoded JSON or MessagePack, or YAML text parsed).
    case structured(EventValue)
    /// Bytes or text that are not a JSON document.
    case opaque
}

extension Event {
    /// The data as Argo Events sees it: structured values as they are; JSON bytes and YAML (`application/yaml`,
    /// `text/yaml`, `application/x-yaml`) text or bytes parsed; text and bytes of any other media type opaque
    /// ("not valid JSON" to filters).
    var payload: EventPayload {
        guard let data else { return .absent }
        switch data {
        case .binary, .string: break
        default: return .structured(data)
        }
        let contentType = (dataContentType ?? "").lowercased()
        let isYAML = contentType.contains("yaml")
        let isJSON = contentType.isEmpty || contentType.contains("json")
        switch data {
        case .binary(let bytes):
            if isJSON { return (try? JSONCodec.decode(bytes)).map(EventPayload.structured) ?? .opaque }
            if isYAML, let text = String(validating: bytes, as: UTF8.self) { return Self.parseYAML(text) }
            return .opaque
        case .string(let text):
            if isYAML { return Self.parseYAML(text) }
            return isJSON || contentType.contains("msgpack") ? .structured(data) : .opaque
        default:
            return .structured(data)
        }
    }

    private static func parseYAML(_ text: String) -> EventPayload {
        guard let documents = try? YAMLTree.documents(of: text, file: "event data"), documents.count == 1,
            let document = documents.first
        else { return .opaque }
        return .structured(document.eventValue)
    }
}
