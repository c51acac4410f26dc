import JetStream
import Logging

/// What every consumer of the engine shares.
struct ConsumerContext: Sendable {
    let connection: NATSConnection
    let stream: String
    let template: ConsumerSpec?
    let concurrency: Int
    /// Messages asked for per pull request.
    let fetchBatch: Int
    let drainTimeout: Duration
    /// The effective `ack_wait` of the consumers: the server redelivers a message unacknowledged for this long.
    let ackWait: Duration
    let processor: MessageProcessor
    let metrics: GatewayMetrics
    let state: GatewayState
    let logger: Logger

    /// The current bindings of `subject` (they change on reload).
    func bindings(_ subject: String) -> [SensorSet.Binding] {
        state.sensors?.bindings[subject] ?? []
    }
}
