public import EventModel

/// The current time, injected wherever the engine needs it (correlation resets). The daemon passes a system
/// clock; tests and `explain` pass fixed ones.
public protocol SensorClock: Sendable {
    /// Now.
    var now: EventTimestamp { get }
}
