import ConfigReader
public import EventModel
import SensorLanguage
public import SensorModel

/// A parameter's resolved value: text, or (with `useRawData`) a JSON value kept as it is.
public enum ParameterValue: Sendable, Hashable {
    /// Written as a JSON string.
    case text(String)
    /// Written as the value itself (number, boolean, object, array, null).
    case raw(EventValue)

    /// The value as a JSON value.
    public var eventValue: EventValue {
        switch self {
        case .text(let text): .string(text)
        case .raw(let value): value
        }
    }
}

/// A parameter that could not be resolved or applied.
public struct ParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The parameter's destination.
    public var destination: String
    /// What went wrong.
    public var reason: String

    /// `parameter 'dest': reason`.
    public var description: String { "parameter '\(destination)': \(reason)" }
}

extension Event {
    /// The context as Argo Events serialises `EventContext` for `contextKey`/`contextTemplate`.
    var argoContext: EventValue {
        var map: EventMap = [
            "id": .string(id), "source": .string(source), "specversion": .string(specVersion), "type": .string(type),
            "datacontenttype": .string(dataContentType ?? ""), "subject": .string(subject ?? ""),
        ]
        map["time"] = .string(time?.rfc3339 ?? "0001-01-01T00:00:00Z")
        return .map(map)
    }

    /// `{"context":{…},"data":"<base64 of the data>"}`, what a parameter with only `dependencyName` gets
    /// (Go marshals the event's `[]byte` data as base64: JSON text for structured data, the bytes otherwise).
    var wholeEventJSON: String {
        let bytes: [UInt8]
        switch (payload, data) {
        case (.structured(let value), _): bytes = Array(JSONText.render(value).utf8)
        case (.opaque, .binary(let raw)?): bytes = raw
        case (.opaque, let other?): bytes = Array(other.gjsonString.utf8)
        case (.absent, _), (.opaque, nil): bytes = []
        }
        return JSONText.render(.map(["context": argoContext, "data": .string(Base64.encode(bytes))]))
    }
}

extension TriggerParameter {
    /// Resolves the parameter against the events a trigger fired with (Argo Events `ResolveParamValue`).
    ///
    /// Order: a template (data before context), then a key, then `value`; a template that fails or prints `""` or
    /// `<no value>` falls back to the key. A dependency absent from `events` (possible under `||`) gives `value`,
    /// or `nil`: the parameter is skipped.
    /// - Throws: ``ParameterError`` when nothing resolves.
    public func resolve(events: [String: Event]) throws(ParameterError) -> ParameterValue? {
        let src = source
        guard let event = events[src.dependencyName] else {
            return src.value.map(ParameterValue.text)
        }
        let usesData = src.dataKey != nil || src.dataTemplate != nil
        let usesContext = src.contextKey != nil || src.contextTemplate != nil
        guard usesData || usesContext else {
            return .text(src.value ?? event.wholeEventJSON)
        }
        let payload: EventValue
        let template: GoTemplate?
        let key: GJSONPath?
        if usesData {
            template = src.dataTemplate
            key = src.dataKey
            guard case .structured(let data) = event.payload else {
                if let value = src.value { return .text(value) }
                throw ParameterError(
                    destination: destination, reason: "event data of '\(src.dependencyName)' is absent or not JSON")
            }
            payload = data
        } else {
            template = src.contextTemplate
            key = src.contextKey
            payload = event.argoContext
        }
        if let template, let output = try? template.render(input: payload), !output.isEmpty, output != "<no value>" {
            return .text(output)
        }
        if let key, let value = key.value(in: payload) {
            switch value {
            case .string(let text): return .text(text)
            default: return src.useRawData ? .raw(value) : .text(value == .null ? "null" : value.gjsonString)
            }
        }
        if let value = src.value { return .text(value) }
        throw ParameterError(
            destination: destination, reason: "unable to resolve '\(src.dependencyName)' parameter value")
    }

    /// Writes a resolved value into `document` at `dest` (Argo Events `ApplyParams`, sjson semantics): `append` and
    /// `prepend` concatenate with an existing value as text; otherwise the value replaces what is there.
    /// - Throws: ``ParameterError`` when `dest` is not a valid path.
    public func apply(_ value: ParameterValue, to document: inout EventValue) throws(ParameterError) {
        let path: SetPath
        if let parsed = destinationPath {
            path = parsed
        } else {
            do { path = try SetPath(destination) } catch {
                throw ParameterError(destination: destination, reason: error.description)
            }
        }
        if operation != .overwrite, let existing = path.value(in: document) {
            let new = value.text
            let combined = operation == .append ? existing.gjsonString + new : new + existing.gjsonString
            path.set(.string(combined), in: &document)
            return
        }
        path.set(value.eventValue, in: &document)
    }
}

extension ParameterValue {
    /// The value as text (raw values in gjson's string form).
    package var text: String {
        switch self {
        case .text(let text): text
        case .raw(let value): value.gjsonString
        }
    }
}

extension Array where Element == TriggerParameter {
    /// Resolves and applies every parameter in order; a parameter of an absent dependency without `value` is skipped.
    /// - Throws: the first ``ParameterError``.
    public func apply(events: [String: Event], to document: inout EventValue) throws(ParameterError) {
        for parameter in self {
            guard let value = try parameter.resolve(events: events) else { continue }
            try parameter.apply(value, to: &document)
        }
    }
}
