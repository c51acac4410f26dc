internal import CNATS
import Synchronization

/// Where a connection stands; read it with ``NATSConnection/state`` (for a readiness probe).
public enum ConnectionState: Sendable, Hashable, CustomStringConvertible {
    /// Connected to a server; operations go through.
    case connected
    /// Lost the server and trying the list again; publishes and acks are buffered.
    case reconnecting
    /// Draining subscriptions and publishes before closing.
    case draining
    /// Closed for good: after ``NATSConnection/close()``, a drain, or running out of reconnect attempts.
    case closed

    public var description: String {
        switch self {
        case .connected: "connected"
        case .reconnecting: "reconnecting"
        case .draining: "draining"
        case .closed: "closed"
        }
    }
}

/// A change of a connection, as libnats reported it.
public enum ConnectionEvent: Sendable, Hashable, CustomStringConvertible {
    /// The connection to the server was lost.
    case disconnected
    /// A connection was established again after ``disconnected``.
    case reconnected
    /// The connection closed for good; the last event.
    case closed
    /// An asynchronous error (e.g. a permissions violation or a slow consumer), with libnats' text.
    case asynchronousError(String)

    public var description: String {
        switch self {
        case .disconnected: "disconnected"
        case .reconnected: "reconnected"
        case .closed: "closed"
        case .asynchronousError(let text): "asynchronous error: \(text)"
        }
    }
}

/// The object libnats' connection callbacks receive as their closure: it holds only Sendable state and
/// hands each event on through an `AsyncStream` continuation (safe from any thread).
///
/// Lifetime: the connection keeps one strong reference; one more is handed to libnats with
/// `Unmanaged.passRetained` and released by the closed callback, which libnats invokes exactly once and
/// last, or by ``NATSConnection`` itself when the connection was never established (libnats then
/// invokes no callback).
final class ConnectionEventSink: Sendable {
    let continuation: AsyncStream<ConnectionEvent>.Continuation
    let events: AsyncStream<ConnectionEvent>
    private let closed = Mutex<ClosedState>(ClosedState())
    let reconnect: ConnectionOptions.Reconnect

    private struct ClosedState: ~Copyable {
        var isClosed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    init(reconnect: ConnectionOptions.Reconnect) {
        (events, continuation) = AsyncStream.makeStream(of: ConnectionEvent.self, bufferingPolicy: .bufferingNewest(64))
        self.reconnect = reconnect
    }

    /// Called once by the closed callback.
    func markClosed() {
        let waiters = closed.withLock { state in
            state.isClosed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        continuation.yield(.closed)
        continuation.finish()
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the closed callback has run.
    func waitUntilClosed() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let alreadyClosed = closed.withLock { state in
                if !state.isClosed { state.waiters.append(waiter) }
                return state.isClosed
            }
            if alreadyClosed { waiter.resume() }
        }
    }

    /// Installs the trampolines on `options`, passing a retained reference as their closure.
    /// - Returns: that retained reference, to release if the connection is never established.
    func install(on options: OpaquePointer) throws(NATSError) -> Unmanaged<ConnectionEventSink> {
        let retained = Unmanaged.passRetained(self)
        let closure = retained.toOpaque()
        do throws(NATSError) {
            try NATSError.check("connect: set callbacks") {
                var status = natsOptions_SetDisconnectedCB(options, disconnectedTrampoline, closure)
                if status == NATS_OK { status = natsOptions_SetReconnectedCB(options, reconnectedTrampoline, closure) }
                if status == NATS_OK { status = natsOptions_SetClosedCB(options, closedTrampoline, closure) }
                if status == NATS_OK { status = natsOptions_SetErrorHandler(options, errorTrampoline, closure) }
                if status == NATS_OK {
                    status = natsOptions_SetCustomReconnectDelay(options, reconnectDelayTrampoline, closure)
                }
                return status
            }
        } catch {
            retained.release()
            throw error
        }
        return retained
    }
}

private func sink(_ closure: UnsafeMutableRawPointer?) -> ConnectionEventSink? {
    closure.map { Unmanaged<ConnectionEventSink>.fromOpaque($0).takeUnretainedValue() }
}

private let disconnectedTrampoline: natsConnectionHandler = { _, closure in
    sink(closure)?.continuation.yield(.disconnected)
}

private let reconnectedTrampoline: natsConnectionHandler = { _, closure in
    sink(closure)?.continuation.yield(.reconnected)
}

private let closedTrampoline: natsConnectionHandler = { _, closure in
    guard let closure else { return }
    let retained = Unmanaged<ConnectionEventSink>.fromOpaque(closure)
    retained.takeUnretainedValue().markClosed()
    retained.release()
}

private let errorTrampoline: natsErrHandler = { connection, _, status, closure in
    var text: UnsafePointer<CChar>? = nil
    _ = natsConnection_GetLastError(connection, &text)
    let message = text.map { String(cString: $0) } ?? ""
    let statusText = String(cString: natsStatus_GetText(status))
    sink(closure)?.continuation.yield(.asynchronousError(message.isEmpty ? statusText : message))
}

private let reconnectDelayTrampoline: natsCustomReconnectDelayHandler = { _, attempts, closure in
    guard let policy = sink(closure)?.reconnect else { return 100 }
    let jitter = policy.jitter.milliseconds()
    return policy.delay(forAttempt: Int(attempts)).milliseconds(minimum: 1)
        + (jitter > 0 ? Int64.random(in: 0...jitter) : 0)
}
