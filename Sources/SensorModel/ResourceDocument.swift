public import ConfigReader
public import EventModel
import SensorLanguage

/// A Kubernetes object read from text when a trigger runs (a `k8s`/`argoWorkflow` resource from `source.url` or
/// `source.file`), parsed as the decoder parses `source.inline`.
public enum ResourceDocument {
    /// Parses one YAML (or JSON) document holding one mapping.
    /// - Parameters:
    ///   - text: the document.
    ///   - origin: the URL or file it came from, for errors.
    /// - Throws: ``ConfigurationError`` naming `origin` when the text does not parse or is not one mapping.
    public static func parse(_ text: String, origin: String) throws(ConfigurationError) -> EventValue {
        let documents = try YAMLTree.documents(of: text, file: origin)
        guard documents.count == 1, let document = documents.first, document.entries != nil else {
            throw ConfigurationError(file: origin, "must hold one YAML or JSON object")
        }
        return document.eventValue
    }
}
