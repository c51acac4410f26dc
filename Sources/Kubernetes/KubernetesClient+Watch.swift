import EventModel
import Foundation
import HTTPTransport

extension KubernetesClient {
    /// The changes to the collection after `resourceVersion` (across all namespaces when `namespace` is nil), as
    /// they happen: `ADDED`, `MODIFIED`, `DELETED` and `BOOKMARK` events (bookmarks are asked for, so the version to
    /// resume from stays fresh). When the server ends a watch (each lasts about five minutes), it is resumed from the
    /// last version seen, so the stream goes on until the caller stops iterating, which ends the request.
    ///
    /// The stream throws ``KubernetesError``: `gone` when the version is older than the server keeps (HTTP 410, or an
    /// `ERROR` event with code 410): list again and watch from the list's version; `transport` when the connection
    /// breaks; the error of a `Status` answer otherwise.
    /// - Parameter resourceVersion: where to start, usually ``ObjectList/resourceVersion``; empty: first an
    ///   `ADDED` event for every object there is now.
    public func watch(
        _ type: ResourceType, namespace: String?, labelSelector: String? = nil, resourceVersion: String
    ) -> AsyncThrowingStream<WatchEvent, any Error> {
        let session = WatchSession(
            client: self, type: type, namespace: type.namespaced ? namespace : nil, labelSelector: labelSelector,
            resourceVersion: resourceVersion)
        return AsyncThrowingStream { try await session.next() }
    }
}

/// The state of one ``KubernetesClient/watch(_:namespace:labelSelector:resourceVersion:)``: the request in flight,
/// the bytes of an incomplete line, the last version seen. Its stream asks it for one event at a time.
private actor WatchSession {
    /// How long the server keeps one watch open (`timeoutSeconds`) before it is resumed.
    static let window = 300
    /// The longest answer read when a watch is refused (the `Status` body).
    static let refusalLimit = 64 * 1024

    private let client: KubernetesClient
    private let type: ResourceType
    private let namespace: String?
    private let labelSelector: String?
    private var resourceVersion: String
    private var body: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator?
    private var buffer: [UInt8] = []
    private var eventsInWatch = 0

    init(
        client: KubernetesClient, type: ResourceType, namespace: String?, labelSelector: String?,
        resourceVersion: String
    ) {
        self.client = client
        self.type = type
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.resourceVersion = resourceVersion
    }

    /// The next event; `nil` once the caller's task is cancelled.
    func next() async throws -> WatchEvent? {
        while !Task.isCancelled {
            if let line = takeLine() {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                if let event = try decode(line) { return event }
                continue
            }
            if body == nil {
                guard try await open() else { return nil }
            }
            var iterator = body
            let chunk = try await readChunk(&iterator)
            body = iterator
            if let chunk {
                buffer += chunk
            } else {
                // The server ended this watch: resume from the last version seen; a watch that ended at once
                // without an event waits a second first, so a server that keeps closing is not hammered.
                body = nil
                if eventsInWatch == 0 { try? await Task.sleep(for: .seconds(1)) }
            }
        }
        return nil
    }

    private func readChunk(_ iterator: inout AsyncThrowingStream<[UInt8], any Error>.AsyncIterator?) async throws
        -> [UInt8]?
    {
        do {
            return try await iterator?.next(isolation: self)
        } catch let error as HTTPTransportError {
            if error.kind == .cancelled || Task.isCancelled { return nil }
            throw KubernetesError.transport(error, object: label)
        }
    }

    private var label: String { client.label(type, namespace, nil) }

    /// Starts a watch from `resourceVersion`; false when the caller's task was cancelled meanwhile.
    private func open() async throws -> Bool {
        var query = [
            ("watch", "true"), ("allowWatchBookmarks", "true"), ("resourceVersion", resourceVersion),
            ("timeoutSeconds", String(Self.window)),
        ]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        let path = type.path(namespace: namespace)
        let request = try client.request(
            "GET", path, query: query, body: nil, contentType: "application/json",
            timeout: .seconds(Self.window + 30), object: label)
        let response: HTTPStreamingResponse
        do {
            response = try await client.http.stream(request)
        } catch {
            if error.kind == .cancelled || Task.isCancelled { return false }
            throw KubernetesError.transport(error, object: label)
        }
        var iterator = response.body.makeAsyncIterator()
        guard response.status == 200 else {
            var answer: [UInt8] = []
            while answer.count < Self.refusalLimit, let chunk = try? await iterator.next(isolation: self) {
                answer += chunk
            }
            throw KubernetesClient.error(
                status: response.status, body: answer, retryAfter: response.header("retry-after"),
                request: "GET \(path)", object: label)
        }
        body = iterator
        buffer = []
        eventsInWatch = 0
        return true
    }

    private func takeLine() -> ArraySlice<UInt8>? {
        guard let newline = buffer.firstIndex(of: 0x0A) else { return nil }
        let line = buffer[..<newline]
        buffer.removeSubrange(...newline)
        return line
    }

    /// The event of one line; `ERROR` lines throw.
    private func decode(_ line: ArraySlice<UInt8>) throws(KubernetesError) -> WatchEvent? {
        let value: EventValue
        do {
            value = try JSONCodec.decode(Array(line))
        } catch {
            throw KubernetesError(.server, message: "a watch event is not JSON: \(error)", object: label)
        }
        let object = value["object"] ?? .null
        guard let typeName = value["type"]?.stringValue else {
            throw KubernetesError(.server, message: "a watch event has no type", object: label)
        }
        if typeName == "ERROR" {
            let status: Int = if case .int(let code)? = object["code"] { Int(code) } else { 500 }
            throw KubernetesClient.error(
                status: status, body: JSONCodec.encode(object), retryAfter: nil,
                request: "GET \(type.path(namespace: namespace))", object: label)
        }
        guard let kind = WatchEvent.Kind(rawValue: typeName) else { return nil }
        let event = WatchEvent(kind: kind, object: object)
        if let version = event.resourceVersion { resourceVersion = version }
        eventsInWatch += 1
        return event
    }
}
