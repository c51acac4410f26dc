import BuildStamp
import EventModel
public import Hummingbird
public import Logging

/// The admin HTTP endpoints (Hummingbird 2), on `admin.listen`:
/// - `GET /healthz`: 200 while the process runs.
/// - `GET /readyz`: 200 when the config is loaded, NATS connected (or lost for less than its grace period), every
///   consumer bound and none stuck; 503 with `{"ready": false, "reason": …}` otherwise.
/// - `GET /metrics`: the Prometheus text exposition, with `ready` as `/readyz` would answer.
/// - `GET /status`: JSON: the build, sensors, dependencies, pending correlations, last trigger outcomes. No secrets.
///
/// With `admin.tokenFile`, every path but the probes requires its bearer token (``AdminAuthentication``).
public enum AdminServer {
    /// The application serving the endpoints; a `Service` to put in the gateway's service group.
    /// - Parameters:
    ///   - host: the address to listen on.
    ///   - port: the port.
    ///   - tokenFile: the bearer token the non-probe paths require; `nil`: none.
    ///   - state: what `/readyz` and `/status` report.
    ///   - metrics: what `/metrics` renders.
    ///   - logger: the server's logger.
    public static func application(
        host: String, port: Int, tokenFile: String? = nil, state: GatewayState, metrics: GatewayMetrics,
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        if let tokenFile { router.add(middleware: AdminAuthentication(tokenFile: tokenFile)) }
        router.get("/healthz") { _, _ in
            json(.ok, .map(["status": "ok"]))
        }
        router.get("/readyz") { _, _ in
            if let reason = state.notReadyReason {
                return json(.serviceUnavailable, .map(["ready": false, "reason": .string(reason)]))
            }
            return json(.ok, .map(["ready": true]))
        }
        router.get("/metrics") { _, _ in
            metrics.setReady(state.notReadyReason == nil)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("/status") { _, _ in
            var status = state.status
            if case .map(var map) = status {
                let reason = state.notReadyReason
                map["ready"] = .bool(reason == nil)
                if let reason { map["notReadyReason"] = .string(reason) }
                map["build"] = .map(["version": .string(BuildInfo.version), "revision": .string(BuildInfo.revision)])
                status = .map(map)
            }
            return json(.ok, status)
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "sensor-gateway"),
            logger: logger)
    }

    static func json(_ status: HTTPResponse.Status, _ value: EventValue) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: JSONCodec.encodeToString(value) + "\n")))
    }
}
