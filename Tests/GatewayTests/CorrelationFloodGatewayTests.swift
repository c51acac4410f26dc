import ConfigReader
import EventModel
import Foundation
import LocalFiles
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import Synchronization
import Testing
import Triggers

@testable import Gateway

/// A flood of unmatched half-correlations through the message processor: every message is acknowledged (its state
/// is durable once held), the held state stays at one event, and each replaced event is counted in
/// `sensor_gateway_correlations_evicted_total{sensor}`.
struct CorrelationFloodGatewayTests {
    @Test func floodIsAckedBoundedAndCounted() async throws {
        let fixture = try MessageProcessorTests.Fixture(.succeeded(detail: "ok"))
        let flood = 2_000
        for index in 0..<flood {
            let disposition = await fixture.process(
                MessageProcessorTests.event("b\(index)", name: "b"), subject: "events.src.b")
            #expect(disposition == .ack, "message \(index)")
        }
        let held = try await fixture.store.load(sensor: "s", trigger: "pair").state.pending
        #expect(held.map(\.event.id) == ["b\(flood - 1)"])
        let metrics = fixture.metrics.render()
        #expect(metrics.contains(#"sensor_gateway_correlations_evicted_total{sensor="s"} \#(flood - 1)"#), "\(metrics)")
        #expect(metrics.contains(#"sensor_gateway_correlations_pending{sensor="s"} 1"#), "\(metrics)")
        #expect(fixture.dispatcher.executions.withLock { $0 } == 0)
        // The pair still fires once, with the newest held event (and `single` fires for `a` as well).
        #expect(await fixture.process(MessageProcessorTests.event("a0")) == .ack)
        #expect(fixture.dispatcher.executions.withLock { $0 } == 2)
        #expect(try await fixture.store.load(sensor: "s", trigger: "pair").state.pending.isEmpty)
    }
}
