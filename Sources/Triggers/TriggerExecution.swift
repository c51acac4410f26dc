/// How a firing's execution ended, and which engine did it: the outcome plus the `engine` and `route` labels of
/// its metrics and log line.
public struct TriggerExecution: Sendable, Hashable {
    /// The outcome.
    public var outcome: TriggerOutcome
    /// The engine: `argo`, `kubernetes` (`k8s`), `kubeflow`, `http`, `nats` or `log`; for a `route` trigger the engine
    /// the routing matrix chose (`argo`, `kubeflow`, `hybrid`), or `none` when it chose none.
    public var engine: String
    /// The route the matrix chose for a `route` trigger; empty for other kinds and when no route took the event.
    public var route: String

    /// Creates a value.
    public init(_ outcome: TriggerOutcome, engine: String, route: String = "") {
        self.outcome = outcome
        self.engine = engine
        self.route = route
    }
}
