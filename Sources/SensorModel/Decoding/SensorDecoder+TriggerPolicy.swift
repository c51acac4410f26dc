import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// `policy`: `status.allow`, the HTTP status codes that count as success, and `k8s`, the labels a created
    /// resource must reach.
    mutating func decodePolicy(_ node: YAMLTree, path: String) -> (
        allowedStatuses: [Int]?, resourceLabels: ResourceLabelPolicy?
    ) {
        guard var policy = FieldReader(node, path: path, diagnostics: &diagnostics) else { return (nil, nil) }
        defer { policy.finish(diagnostics: &diagnostics) }
        let resourceLabels = policy.take("k8s").flatMap { decodeResourceLabelPolicy($0, path: "\(path).k8s") }
        guard let statusNode = policy.take("status"),
            var status = FieldReader(statusNode, path: "\(path).status", diagnostics: &diagnostics)
        else { return (nil, resourceLabels) }
        var allowedStatuses: [Int] = []
        for (element, elementPath) in status.list("allow", diagnostics: &diagnostics) ?? [] {
            if let text = element.scalarText, let code = Int(text), (100...599).contains(code) {
                allowedStatuses.append(code)
            } else {
                diagnostics.error("\(elementPath) must be an HTTP status code", at: element, path: elementPath)
            }
        }
        status.finish(diagnostics: &diagnostics)
        return (allowedStatuses, resourceLabels)
    }

    /// `policy.k8s`: `labels` (string values), `backoff` (as `retryStrategy`) and `errorOnBackoffTimeout`; without
    /// labels the policy has no effect (a warning), as in Argo Events.
    private mutating func decodeResourceLabelPolicy(_ node: YAMLTree, path: String) -> ResourceLabelPolicy? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        var labels: [String: String] = [:]
        if let labelsNode = fields.take("labels") {
            if let entries = labelsNode.entries {
                for entry in entries {
                    if let value = entry.value.scalarText {
                        labels[entry.key] = value
                    } else {
                        diagnostics.error(
                            "\(path).labels.\(entry.key) must be a string", at: entry.value,
                            path: "\(path).labels.\(entry.key)")
                    }
                }
            } else {
                diagnostics.error("\(path).labels must be a mapping", at: labelsNode, path: "\(path).labels")
            }
        }
        let backoff = fields.take("backoff").flatMap { decodeRetry($0, path: "\(path).backoff") } ?? RetryStrategy()
        let errorOnTimeout = fields.bool("errorOnBackoffTimeout", diagnostics: &diagnostics) ?? false
        fields.finish(diagnostics: &diagnostics)
        guard !labels.isEmpty else {
            diagnostics.warning(
                "\(path) has no labels, so nothing is waited for", at: node.location, path: "\(path).labels")
            return nil
        }
        return ResourceLabelPolicy(labels: labels, backoff: backoff, errorOnBackoffTimeout: errorOnTimeout)
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
