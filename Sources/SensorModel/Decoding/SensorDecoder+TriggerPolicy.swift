import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `policy.status.allow`: the HTTP status codes that count as success (`nil` when unset).
    mutating func decodePolicy(_ node: YAMLTree, path: String) -> [Int]? {
        guard var policy = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        defer { policy.finish(diagnostics: &diagnostics, hints: ["k8s": "resource label polling is not implemented"]) }
        guard let statusNode = policy.take("status"),
            var status = FieldReader(statusNode, path: "\(path).status", diagnostics: &diagnostics)
        else { return nil }
        var allowedStatuses: [Int] = []
        for (element, elementPath) in status.list("allow", diagnostics: &diagnostics) ?? [] {
            if let text = element.scalarText, let code = Int(text), (100...599).contains(code) {
                allowedStatuses.append(code)
            } else {
                diagnostics.error("\(elementPath) must be an HTTP status code", at: element, path: elementPath)
            }
        }
        status.finish(diagnostics: &diagnostics)
        return allowedStatuses
    }

    /// `retryStrategy`: `duration` (a Go duration or nanoseconds), `factor`, `jitter`, `steps`.
    mutating func decodeRetry(_ node: YAMLTree, path: String) -> RetryStrategy? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        var duration = 1.0
        if let durationNode = fields.take("duration") {
            if case .scalar(let text, let type) = durationNode.kind, type == .int, let nanoseconds = Double(text) {
                duration = nanoseconds / 1e9
            } else if let text = durationNode.scalarText, let parsed = GoDuration.parse(text) {
                duration = parsed.inSeconds
            } else {
                diagnostics.error(
                    "\(path).duration must be a duration such as 1s or 500ms", at: durationNode,
                    path: "\(path).duration")
            }
        }
        let factor = fields.number("factor", diagnostics: &diagnostics) ?? 1
        let jitter = fields.number("jitter", diagnostics: &diagnostics) ?? 1
        let steps = fields.number("steps", diagnostics: &diagnostics).flatMap { Int(truncating: min($0, 1e6)) } ?? 0
        fields.finish(diagnostics: &diagnostics)
        return RetryStrategy(durationSeconds: duration, factor: factor, jitter: jitter, steps: steps <= 0 ? 5 : steps)
    }

    /// `rateLimit`: `unit` (Second, Minute, Hour) and `requestsPerUnit`.
    mutating func decodeRateLimit(_ node: YAMLTree, path: String) -> RateLimit? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let unitText = fields.string("unit", diagnostics: &diagnostics) ?? ""
        let requests = fields.number("requestsPerUnit", diagnostics: &diagnostics)
        fields.finish(diagnostics: &diagnostics)
        let unit = unitText.isEmpty ? RateLimit.Unit.second : RateLimit.Unit(rawValue: unitText)
        guard let unit else {
            diagnostics.error(
                "\(path).unit '\(unitText)' is not one of Second, Minute, Hour", at: node["unit"] ?? node,
                path: "\(path).unit")
            return nil
        }
        guard let requests, requests >= 1 else {
            diagnostics.error("\(path).requestsPerUnit must be at least 1", at: node, path: "\(path).requestsPerUnit")
            return nil
        }
        return RateLimit(unit: unit, requestsPerUnit: Int(truncating: min(requests, 1e9)) ?? 1)
    }
}
