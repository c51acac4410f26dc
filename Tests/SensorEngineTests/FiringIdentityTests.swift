import Testing

@testable import SensorEngine

/// A firing's id is the same in every process and release: the first 20 hex digits of SHA-256 over the
/// length-prefixed fields (each preceded by its UTF-8 byte count as 8 big-endian bytes), dependencies by name. The
/// expected values were computed with Python's `hashlib`.
struct FiringIdentityTests {
    @Test func oneEvent() {
        let identity = FiringIdentity(
            sensor: "orders", trigger: "notify", keys: ["order": .init(source: "shop", id: "evt-1")])
        #expect(identity.id == "9144276732fbc86632b6")
    }

    @Test func eventsInDependencyOrder() {
        let keys: [String: FiringIdentity.EventKey] = [
            "b": .init(source: "src-b", id: "2"), "a": .init(source: "src-a", id: "1"),
        ]
        #expect(FiringIdentity(sensor: "orders", trigger: "notify", keys: keys).id == "3d5e0a84b7c828901a72")
    }
}
