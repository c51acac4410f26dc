import EventModel
import Testing

@testable import Gateway

/// The recent firings `/api/firings` lists: the newest first, the oldest dropped once the ring is full.
struct RecentFiringsTests {
    static func record(_ number: Int) -> FiringRecord {
        FiringRecord(
            id: "firing-\(number)", sensor: "s", trigger: "t", eventIDs: ["e-\(number)"], engine: "log", route: "",
            outcome: "succeeded", detail: "", duration: .milliseconds(number), at: EventTimestamp(seconds: 0),
            traceID: nil)
    }

    @Test func listsNewestFirstAndDropsTheOldestWhenFull() {
        var ring = RecentFirings(capacity: 3)
        #expect(ring.newestFirst.isEmpty)
        ring.append(Self.record(1))
        ring.append(Self.record(2))
        #expect(ring.newestFirst.map(\.id) == ["firing-2", "firing-1"])
        for number in 3...7 { ring.append(Self.record(number)) }
        #expect(ring.newestFirst.map(\.id) == ["firing-7", "firing-6", "firing-5"])
    }

    @Test func stateListsAtMostItsCapacityNewestFirst() {
        let state = GatewayState()
        for number in 1...(GatewayState.recentFiringsCapacity + 5) { state.recordFiring(Self.record(number)) }
        let firings = state.recentFirings
        #expect(firings.count == GatewayState.recentFiringsCapacity)
        #expect(firings.first?.id == "firing-\(GatewayState.recentFiringsCapacity + 5)")
        #expect(firings.last?.id == "firing-6")
        #expect(
            firings.first?.json.mapValue?["events"] == .array([.string("e-\(GatewayState.recentFiringsCapacity + 5)")]))
    }
}
