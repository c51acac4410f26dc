import ConfigReader
import SensorLanguage

extension SensorDecoder {
    /// `log`: `intervalSeconds` between two logged firings (0: every one).
    mutating func decodeLog(_ fields: inout FieldReader) -> TriggerKind? {
        let interval = fields.number("intervalSeconds", diagnostics: &diagnostics) ?? 0
        return .log(intervalSeconds: Int(truncating: min(max(0, interval), 86_400)) ?? 0)
    }
}
