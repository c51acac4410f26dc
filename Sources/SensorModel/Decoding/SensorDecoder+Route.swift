extension SensorDecoder {
    /// `route`: no fields; the routing matrix decides where the events go.
    func decodeRoute() -> TriggerKind? {
        .route
    }
}
