public import Triggers

/// Executes a fired trigger: the seam between the pipeline and the trigger engines.
///
/// `Triggers.TriggerExecutor` conforms as it is (its `execute(_:)` has this shape); the engine's tests give it
/// stand-ins.
public protocol TriggerDispatching: Sendable {
    /// Executes a firing: the trigger whose condition held, its sensor, the events, and its identity.
    /// - Returns: The outcome and the engine (and route) that executed it; never throws, every failure is classified.
    func execute(_ firing: TriggerFiring) async -> TriggerExecution
}

extension TriggerExecutor: TriggerDispatching {}
