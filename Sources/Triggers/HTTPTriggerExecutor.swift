import EventModel
import Foundation
import HTTPTransport
import SensorEngine
import SensorModel

/// The `http` trigger: sends the resolved request with its secure headers through the general HTTP client; in a
/// dry run, writes it to the outbox without them.
struct HTTPTriggerExecutor: TriggerKindExecutor {
    /// The `engine` label of what it executes.
    static let engine = "http"
    let context: TriggerContext

    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        guard case .http(let httpTrigger) = firing.trigger.kind else {
            return TriggerExecution(
                .permanent(reason: "trigger \(firing.trigger.name) is not an http trigger"), engine: Self.engine)
        }
        let outcome = await context.withRetries(RetryPolicy(firing.trigger.retryStrategy)) { () async -> Attempt in
            await attempt(firing, httpTrigger)
        }
        return TriggerExecution(outcome, engine: Self.engine)
    }

    /// One attempt of an `http` trigger, with Argo Events' semantics: without `policy.status.allow` any status
    /// is a success; with it, another status is classified like an API answer (429/502/503 retried, 500 a few
    /// times, the rest permanent).
    private func attempt(_ firing: TriggerFiring, _ httpTrigger: HTTPTrigger) async -> Attempt {
        let trigger = firing.trigger
        let action: TriggerAction
        do { action = try trigger.action(events: firing.events, sensor: firing.sensor) } catch {
            return .done(.permanent(reason: "trigger \(trigger.name): \(error)"))
        }
        var headers = action.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        let url = action.url ?? httpTrigger.url
        let method = action.method ?? httpTrigger.method
        if context.configuration.dryRun {
            let record = Outbox.Record(
                engine: Self.engine, name: firing.identity.name(), method: method, url: url, headers: headers,
                body: action.body.map(Outbox.value(of:)), identity: firing.identity)
            return context.writeOutbox(
                record, what: "\(method) \(HTTPRequest(url: url).redactedURL)", missing: "outbox")
        }
        do {
            for header in httpTrigger.secureHeaders { headers.append((header.name, try secureValue(header))) }
        } catch {
            return .done(.permanent(reason: "trigger \(trigger.name): \(error)"))
        }
        if let trace = firing.trace { headers += trace.headers }
        let body: [UInt8] =
            switch action.body {
            case .json(let value)?: JSONCodec.encode(value)
            case .text(let text)?: Array(text.utf8)
            case nil: []
            }
        let request = HTTPRequest(
            method: method, url: url, headers: headers, body: body, timeout: .seconds(httpTrigger.timeoutSeconds))
        let response: HTTPResponse
        do { response = try await context.general.execute(request) } catch {
            return TriggerContext.transportEnd(error).attempt
        }
        firing.trace?.answered(method: method, url: request.redactedURL, status: response.status)
        guard let allowed = trigger.allowedStatuses, !allowed.contains(response.status) else {
            return .done(.succeeded(detail: "\(method) \(request.redactedURL) answered \(response.status)"))
        }
        let reason =
            "\(method) \(request.redactedURL) answered \(response.status), not in policy.status.allow \(allowed)"
        let responseClass = ResponseClass.of(response, service: .http, idempotent: false)
        return TriggerContext.failure(responseClass == .notFound ? .permanent : responseClass, reason: reason)
    }

    /// A secure header's value, read now (a rotated secret is picked up); errors name the file or variable only.
    private func secureValue(_ header: SecureHeader) throws(TriggerError) -> String {
        let path: String
        switch header.source {
        case .environment(let variable):
            guard let value = context.configuration.environment[variable], !value.isEmpty else {
                throw TriggerError(
                    .secret, "secure header '\(header.name)': environment variable \(variable) is not set")
            }
            return value
        case .file(let file): path = file
        case .secretKey(let name, let key): path = "\(context.configuration.secretsDirectory)/\(name)/\(key)"
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TriggerError(.secret, "secure header '\(header.name)': \(path) cannot be read")
        }
        var value = String(decoding: data, as: UTF8.self)
        while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
        return value
    }
}
