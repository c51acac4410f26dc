/// The executor of one trigger kind: builds the firing's request as the kind's rules say, sends it with the
/// trigger's retry strategy, and classifies the answer. ``TriggerExecutor`` picks one per firing.
protocol TriggerKindExecutor: Sendable {
    /// Executes `firing`, whose trigger is of this executor's kind; never throws, every failure is classified.
    func execute(_ firing: TriggerFiring) async -> TriggerExecution
}
