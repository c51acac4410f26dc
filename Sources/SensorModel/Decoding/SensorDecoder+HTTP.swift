import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `http`: `url`, `method` (POST by default), `payload`, `parameters`, `headers`, `dynamicHeaders`,
    /// `secureHeaders`, `timeout` (seconds, 60 by default) and `exactlyOnce` (our extension, `false` by default).
    mutating func decodeHTTP(_ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext)
        -> TriggerKind?
    {
        let url = fields.string("url", required: true, diagnostics: &diagnostics)
        let method = (fields.string("method", diagnostics: &diagnostics) ?? "").uppercased()
        if !method.isEmpty && !["GET", "DELETE", "PATCH", "POST", "PUT"].contains(method) {
            diagnostics.error(
                "\(path).method '\(method)' is not one of GET, DELETE, PATCH, POST, PUT",
                at: node["method"] ?? node, path: "\(path).method")
        }
        let payload = decodeParameters(&fields, "payload", context: context, allowEmptyDestination: true)
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        let dynamicHeaders = decodeParameters(
            &fields, "dynamicHeaders", context: context, allowEmptyDestination: false)
        let headers = fields.take("headers").map { decodeHeaders($0, path: "\(path).headers") } ?? [:]
        var timeout = 60
        if let seconds = fields.number("timeout", diagnostics: &diagnostics) {
            if seconds > 0 { timeout = Int(truncating: min(seconds, 86_400)) ?? timeout }
        }
        let secureHeaders = (fields.list("secureHeaders", diagnostics: &diagnostics) ?? []).compactMap {
            decodeSecureHeader($0.0, path: $0.1)
        }
        let exactlyOnce = fields.bool("exactlyOnce", diagnostics: &diagnostics) ?? false
        guard let url else { return nil }
        return .http(
            HTTPTrigger(
                url: url, method: method.isEmpty ? "POST" : method, payload: payload, parameters: parameters,
                headers: headers, dynamicHeaders: dynamicHeaders, secureHeaders: secureHeaders,
                timeoutSeconds: timeout, exactlyOnce: exactlyOnce))
    }

    /// `headers`: a mapping of strings.
    private mutating func decodeHeaders(_ node: YAMLTree, path: String) -> [String: String] {
        guard let entries = node.entries else {
            diagnostics.error("\(path) must be a mapping", at: node, path: path)
            return [:]
        }
        var headers: [String: String] = [:]
        for entry in entries {
            if let text = entry.value.scalarText {
                headers[entry.key] = text
            } else {
                diagnostics.error(
                    "\(path).\(entry.key) must be a string", at: entry.value, path: "\(path).\(entry.key)")
            }
        }
        return headers
    }

    mutating func decodeSecureHeader(_ node: YAMLTree, path: String) -> SecureHeader? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        defer { fields.finish(diagnostics: &diagnostics) }
        let name = fields.string("name", required: true, diagnostics: &diagnostics)
        guard let valueNode = fields.take("valueFrom") else {
            diagnostics.error("\(path).valueFrom is required", at: node, path: "\(path).valueFrom")
            return nil
        }
        guard var valueFrom = FieldReader(valueNode, path: "\(path).valueFrom", diagnostics: &diagnostics) else {
            return nil
        }
        defer {
            valueFrom.finish(
                diagnostics: &diagnostics,
                hints: ["configMapKeyRef": "ConfigMaps are not read; use file or env, or a mounted secretKeyRef"])
        }
        var source: SecureHeader.Source?
        if let secretNode = valueFrom.take("secretKeyRef"),
            var secret = FieldReader(secretNode, path: "\(path).valueFrom.secretKeyRef", diagnostics: &diagnostics)
        {
            let secretName = secret.string("name", required: true, diagnostics: &diagnostics)
            let key = secret.string("key", required: true, diagnostics: &diagnostics)
            secret.ignore("optional")
            secret.finish(diagnostics: &diagnostics)
            if let secretName, let key {
                if secretName.contains("/") || key.contains("/") || [secretName, key].contains("..") {
                    diagnostics.error(
                        "\(path).valueFrom.secretKeyRef name and key must not contain '/'", at: secretNode,
                        path: "\(path).valueFrom.secretKeyRef")
                } else {
                    source = .secretKey(name: secretName, key: key)
                }
            }
        } else if let file = valueFrom.string("file", required: false, diagnostics: &diagnostics) {
            source = .file(file)
        } else if let variable = valueFrom.string("env", required: false, diagnostics: &diagnostics) {
            source = .environment(variable)
        } else if valueNode["configMapKeyRef"] == nil {
            diagnostics.error(
                "\(path).valueFrom must set secretKeyRef, file or env", at: valueNode, path: "\(path).valueFrom")
        }
        guard let name, let source else { return nil }
        return SecureHeader(name: name, source: source)
    }
}
