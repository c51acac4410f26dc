import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `nats`: `url`, `subject`, `payload` (required) and `parameters`.
    mutating func decodeNATS(_ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext)
        -> TriggerKind?
    {
        let url = fields.string("url", required: true, diagnostics: &diagnostics)
        let subject = fields.string("subject", required: true, diagnostics: &diagnostics)
        let payload = decodeParameters(&fields, "payload", context: context, allowEmptyDestination: false)
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        if payload.isEmpty && node["payload"] == nil {
            diagnostics.error("\(path).payload is required", at: node, path: "\(path).payload")
        }
        guard let url, let subject else { return nil }
        return .nats(NATSTrigger(url: url, subject: subject, payload: payload, parameters: parameters))
    }
}
