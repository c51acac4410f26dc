import Dispatch
import Synchronization

/// The messages a consumer is working on, kept from redelivery: every `interval` (a third of the consumer's
/// `ack_wait` suits), each registered message gets an in-progress heartbeat (``JetStreamMessage/inProgress()``), so
/// slow work never sees its message redelivered, and done twice, meanwhile. A message gets its first heartbeat
/// within one interval of its registration.
///
/// One timer for all the messages rather than one per message: arming and cancelling a timer for every message
/// costs more than a gateway's filtering of it. The timer is a dispatch source, not a task, so a busy or starved
/// cooperative pool cannot delay the heartbeats past `ack_wait`. It stops when this object goes away.
///
/// Sendable: the registered messages are behind a mutex; `timer` is set once in `init` and only cancelled in
/// `deinit`, and libdispatch sources may be used from any thread.
public final class InFlightMessages: @unchecked Sendable {
    /// A registered message, for ``remove(_:)``.
    public struct Key: Hashable, Sendable {
        fileprivate let value: UInt64
    }

    private struct Contents {
        var nextKey: UInt64 = 0
        var messages: [UInt64: JetStreamMessage] = [:]
    }

    private let contents = Mutex(Contents())
    private let timer: any DispatchSourceTimer

    /// Where the heartbeats of every consumer's messages are sent.
    private static let heartbeats = DispatchQueue(label: "nats.in-progress-heartbeats")

    /// Starts the heartbeat timer.
    public init(heartbeatEvery interval: Duration) {
        let parts = interval.components
        let nanoseconds = max(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000, 1_000_000)
        let period = DispatchTimeInterval.nanoseconds(Int(clamping: nanoseconds))
        timer = DispatchSource.makeTimerSource(queue: Self.heartbeats)
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [weak self] in self?.sendHeartbeats() }
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// Registers `messages` for heartbeats; returns the keys that ``remove(_:)`` takes, in the same order.
    public func insert(_ messages: [JetStreamMessage]) -> [Key] {
        contents.withLock { state in
            messages.map { message in
                let key = state.nextKey
                state.nextKey &+= 1
                state.messages[key] = message
                return Key(value: key)
            }
        }
    }

    /// Ends the heartbeats of one message (it got, or is about to get, its disposition).
    public func remove(_ key: Key) {
        _ = contents.withLock { $0.messages.removeValue(forKey: key.value) }
    }

    /// Sends an in-progress heartbeat for every message registered now (outside the lock); a message that got its
    /// disposition meanwhile refuses it, which is harmless.
    private func sendHeartbeats() {
        let messages = contents.withLock { Array($0.messages.values) }
        for message in messages { try? message.inProgress() }
    }
}
