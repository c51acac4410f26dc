import EventModel
import Foundation
import HTTPTransport
import SensorModel
import SensorEngine

extension TriggerExecutor {
    /// One attempt of an `http` trigger, with Argo Events' semantics: without `policy.status.allow` any status
    /// is a success; with it, another status is classified like an API answer (429/502/503 retried, 500 a few
    /// times, the rest permanent).
    func httpAttempt(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> Attempt {
        guard case .http(let httpTrigger) = trigger.kind else {
            return .done(.permanent(reason: "trigger \(trigger.name) is not an http trigger"))
        }
        let action: TriggerAction
        do { action = try trigger.action(events: events, sensor: sensor) } catch {
            return .done(.permanent(reason: "trigger \(trigger.name): \(error)"))
        }
        var headers = action.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        do {
            for header in httpTrigger.secureHeaders { headers.append((header.name, try secureValue(header))) }
        } catch {
            return .done(.permanent(reason: "trigger \(trigger.name): \(error)"))
        }
        let body: [UInt8] =
            switch action.body {
            case .json(let value)?: JSONCodec.encode(value)
            case .text(let text)?: Array(text.utf8)
            case nil: []
            }
        let url = action.url ?? httpTrigger.url
        let method = action.method ?? httpTrigger.method
        let request = HTTPRequest(
            method: method, url: url, headers: headers, body: body, timeout: .seconds(httpTrigger.timeoutSeconds))
        let response: HTTPResponse
        do { response = try await general.execute(request) } catch {
            return Self.transportEnd(error).attempt
        }
        guard let allowed = trigger.allowedStatuses, !allowed.contains(response.status) else {
            return .done(.succeeded(detail: "\(method) \(request.redactedURL) answered \(response.status)"))
        }
        let reason =
            "\(method) \(request.redactedURL) answered \(response.status), not in policy.status.allow \(allowed)"
        let responseClass = ResponseClass.of(response, service: .http, idempotent: false)
        return Self.failure(responseClass == .notFound ? .permanent : responseClass, reason: reason)
    }

    /// A secure header's value, read now (a rotated secret is picked up); errors name the file or variable only.
    func secureValue(_ header: SecureHeader) throws(TriggerError) -> String {
        let path: String
        switch header.source {
        case .environment(let variable):
            guard let value = configuration.environment[variable], !value.isEmpty else {
                throw TriggerError(
                    .secret, "secure header '\(header.name)': environment variable \(variable) is not set")
            }
            return value
        case .file(let file): path = file
        case .secretKey(let name, let key): path = "\(configuration.secretsDirectory)/\(name)/\(key)"
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TriggerError(.secret, "secure header '\(header.name)': \(path) cannot be read")
        }
        var value = String(decoding: data, as: UTF8.self)
        while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
        return value
    }

    /// One attempt of a `nats` trigger: through the publisher, or to the outbox without one.
    func natsAttempt(_ trigger: Trigger, sensor: Sensor, events: [String: Event], identity: FiringIdentity)
        async -> Attempt
    {
        let action: TriggerAction
        do { action = try trigger.action(events: events, sensor: sensor) } catch {
            return .done(.permanent(reason: "trigger \(trigger.name): \(error)"))
        }
        let subject = action.subject ?? ""
        guard let publisher = configuration.publisher else {
            var record = Outbox.Record(
                engine: "nats", name: identity.name(), method: "PUBLISH", url: action.url ?? "", headers: [],
                body: action.body.map { body -> EventValue in
                    switch body {
                    case .json(let value): value
                    case .text(let text): .string(text)
                    }
                }, identity: identity)
            record.extra["subject"] = .string(subject)
            return writeOutbox(record, what: "NATS message on \(subject)")
        }
        let payload: [UInt8] =
            switch action.body {
            case .json(let value)?: JSONCodec.encode(value)
            case .text(let text)?: Array(text.utf8)
            case nil: []
            }
        do {
            try await publisher.publish(subject: subject, payload: payload, messageID: identity.name())
            return .done(.succeeded(detail: "published \(payload.count) bytes on \(subject)"))
        } catch {
            return .retry(reason: "NATS publish on \(subject): \(error)", after: nil, kind: .general)
        }
    }
}
