import EventModel
import JetStream
import Logging
import ServiceLifecycle

/// Reads the counters of every consumer the sensors need from the server (consumer info), every `interval`, into
/// the lag gauges (``GatewayMetrics/setConsumerLag(stream:consumer:_:)``) and the state `/status` and `/api/sensors`
/// show.
///
/// The values are the server's, so every replica reports the same ones and `max` across replicas is the consumer's
/// lag; they keep moving while every permit of this replica is taken, since no fetch is needed. A consumer the
/// sensors no longer use loses its gauges.
struct ConsumerLagService: Service {
    let stream: String
    let interval: Duration
    let state: GatewayState
    let metrics: GatewayMetrics
    let logger: Logger

    func run() async {
        var exported: Set<String> = []
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            exported = await refresh(exported: exported)
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Reads each wanted consumer's counters and returns the consumers that have gauges now.
    private func refresh(exported: Set<String>) async -> Set<String> {
        let wanted = Set((state.sensors?.subjects ?? []).map(SensorSet.durableName(subject:)))
        for gone in exported.subtracting(wanted) {
            metrics.removeConsumerLag(stream: stream, consumer: gone)
            state.setConsumerLag(gone, nil)
        }
        guard let connection = state.connection, connection.state == .connected else {
            return exported.intersection(wanted)
        }
        var current = exported.intersection(wanted)
        for consumer in wanted.sorted() {
            do throws(NATSError) {
                let info = try await connection.consumerInfo(stream: stream, consumer: consumer)
                let lag = GatewayMetrics.ConsumerLag(
                    pending: info.pending, ackPending: info.ackPending, redelivered: info.redelivered)
                metrics.setConsumerLag(stream: stream, consumer: consumer, lag)
                state.setConsumerLag(consumer, lag)
                current.insert(consumer)
            } catch {
                // Not created yet (the engine binds it), or the server cannot answer now: the next round tries again.
                logger.debug(
                    "cannot read the consumer's lag",
                    metadata: [LoggingKeys.consumer: "\(consumer)", LoggingKeys.error: "\(error)"])
            }
        }
        return current
    }
}
