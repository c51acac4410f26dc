import EventModel

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
    /// The data as Argo Events sees it: structured values as they are; YAML (`application/yaml`, `text/yaml`,
    /// `application/x-yaml`) and JSON text or bytes parsed; anything else opaque.
    var payload: EventPayload {
        guard let data else { return .absent }
        let contentType = (dataContentType ?? "").lowercased()
        let isYAML = contentType.contains("yaml")
        let isJSON = contentType.isEmpty || contentType.contains("json")
        switch data {
        case .binary(let bytes):
            guard isYAML || isJSON, let text = String(validating: bytes, as: UTF8.self) else { return .opaque }
            return Self.parse(text).map(EventPayload.structured) ?? .opaque
        case .string(let text) where isYAML:
            return Self.parse(text).map(EventPayload.structured) ?? .opaque
        default:
            return .structured(data)
        }
    }

    private static func parse(_ text: String) -> EventValue? {
        guard let documents = try? YAMLTree.documents(of: text, file: "event data"), documents.count == 1 else { return nil }
        return documents.first?.eventValue
    }
}
