/// One event: its CloudEvents context attributes and its payload.
///
/// Filters and parameters see it as Argo Events does: `context` holds the attributes, `data` the payload.
public struct Event: Sendable, Hashable {
    /// The CloudEvents version; ``CloudEventCodec`` accepts `1.0`.
    public var specVersion: String
    /// Identifies the event; with `source` it is unique (used for de-duplication and idempotent names).
    public var id: String
    /// The context in which the event happened (Argo Events: the event source name).
    public var source: String
    /// The kind of event, e.g. `com.example.model.trained`.
    public var type: String
    /// The subject of the event within the source (Argo Events: the event name).
    public var subject: String?
    /// When the event happened.
    public var time: EventTimestamp?
    /// The media type of `data`, e.g. `application/json`.
    public var dataContentType: String?
    /// A URI of the schema `data` adheres to.
    public var dataSchema: String?
    /// Extension attributes (lower-case alphanumeric names, scalar values).
    public var extensions: [String: EventValue]
    /// The payload; `nil` when the event carries none.
    public var data: EventValue?

    /// Creates an event from its attributes and payload.
    public init(
        specVersion: String = "1.0", id: String, source: String, type: String, subject: String? = nil,
        time: EventTimestamp? = nil, dataContentType: String? = nil, dataSchema: String? = nil,
        extensions: [String: EventValue] = [:], data: EventValue? = nil
    ) {
        self.specVersion = specVersion
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.dataContentType = dataContentType
        self.dataSchema = dataSchema
        self.extensions = extensions
        self.data = data
    }

    /// The context attributes as a map, the view filters and parameters address as `context`:
    /// `specversion id source type subject time datacontenttype dataschema`, then the extensions by name.
    public var context: EventMap {
        var context = EventMap()
        context["specversion"] = .string(specVersion)
        context["id"] = .string(id)
        context["source"] = .string(source)
        context["type"] = .string(type)
        if let subject { context["subject"] = .string(subject) }
        if let time { context["time"] = .timestamp(time) }
        if let dataContentType { context["datacontenttype"] = .string(dataContentType) }
        if let dataSchema { context["dataschema"] = .string(dataSchema) }
        for key in extensions.keys.sorted() { context[key] = extensions[key] }
        return context
    }
}
