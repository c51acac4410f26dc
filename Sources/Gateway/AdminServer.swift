import BuildStamp
import EventModel
public import Hummingbird
public import Logging
import SensorEngine
public import Triggers

/// The admin HTTP endpoints (Hummingbird 2), on `admin.listen`:
/// - `GET /`: the console, a page that shows the sensors, recent firings and dead letters and explains a pasted event
///   (``addConsole(to:settings:)``), with `GET /console.js` and `GET /console.css`.
/// - `GET /healthz`: 200 while the process runs.
/// - `GET /readyz`: 200 when the config is loaded, NATS connected (or lost for less than its grace period), every
///   consumer bound and none stuck; 503 with `{"ready": false, "reason": …}` otherwise.
/// - `GET /metrics`: the Prometheus text exposition, with `ready` as `/readyz` would answer.
/// - `GET /status`: JSON: the build, sensors, dependencies, pending correlations, last trigger outcomes. No secrets.
/// - `GET /api/firings`: JSON: the latest firings, newest first (``GatewayState/recentFiringsCapacity``).
/// - `GET /api/sensors?offset=&limit=&q=`: JSON: a page of the running sensors with their screening counts, held
///   dependencies, outcomes and latency, and the sensor documents rejected (``SensorsPage``).
/// - `GET /api/dead-letters?limit=`: JSON: the latest dead letters, newest first, headers only (``DeadLettersPage``).
/// - `POST /api/explain`: the body is one CloudEvent (structured mode), or a JSON array of them fed in order, at most
///   ``explainBodyLimit`` bytes; the answer is what `sensor-gateway explain --format json` prints for them against
///   the running sensors. Nothing is sent or fired. `?subject=` matches dependencies by that NATS subject instead of
///   the event's source and subject.
///
/// With `admin.tokenFile`, every path but the probes and the console's static files requires its bearer token
/// (``AdminAuthentication``).
public enum AdminServer {
    /// The application serving the endpoints; a `Service` to put in the gateway's service group.
    /// - Parameters:
    ///   - host: the address to listen on.
    ///   - port: the port.
    ///   - tokenFile: the bearer token the non-probe paths require; `nil`: none.
    ///   - state: what `/readyz` and `/status` report.
    ///   - metrics: what `/metrics` renders.
    ///   - requests: how `/api/explain` shows the requests triggers would send (its routing matrix is the state's).
    ///   - deadLetterStream: the stream `/api/dead-letters` reads.
    ///   - console: the links of the console's page.
    ///   - logger: the server's logger.
    public static func application(
        host: String, port: Int, tokenFile: String? = nil, state: GatewayState, metrics: GatewayMetrics,
        requests: TriggerRequestPreviews = TriggerRequestPreviews(),
        deadLetterStream: String = DeadLetterQueue.defaultStream, console: ConsoleSettings = ConsoleSettings(),
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        if let tokenFile { router.add(middleware: AdminAuthentication(tokenFile: tokenFile)) }
        addConsole(to: router, settings: console)
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
        router.get("/api/firings") { _, _ in
            json(
                .ok,
                .map([
                    "capacity": .int(Int64(GatewayState.recentFiringsCapacity)),
                    "firings": .array(state.recentFirings.map(\.json)),
                ]))
        }
        router.get("/api/sensors") { request, _ in
            sensors(request, state: state)
        }
        router.get("/api/dead-letters") { request, _ in
            await DeadLettersPage.answer(request, state: state, stream: deadLetterStream)
        }
        router.post("/api/explain") { request, _ in
            await explain(request, state: state, requests: requests)
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "sensor-gateway"),
            logger: logger)
    }

    /// A page of the running sensors; 400 for a bad `offset` or `limit`, 503 before the sensors are loaded.
    static func sensors(_ request: Request, state: GatewayState) -> Response {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        let page: SensorsPage
        do throws(SensorsPage.InvalidQuery) {
            page = try SensorsPage(parameters: parameters)
        } catch {
            return json(.badRequest, .map(["error": .string(error.message)]))
        }
        let view = state.consoleView
        guard let sensors = view.sensors else {
            return json(.serviceUnavailable, .map(["error": "configuration not loaded"]))
        }
        return json(.ok, page.render(view, sensorSet: sensors, screening: state.screening, now: .now()))
    }

    /// The largest body `POST /api/explain` reads.
    public static let explainBodyLimit = 1 << 20

    /// Explains the request's event (or JSON array of events) against the running sensors; 413 over
    /// ``explainBodyLimit``, 400 when the body is not a CloudEvent or an array of them, 503 before the sensors are
    /// loaded.
    static func explain(_ request: Request, state: GatewayState, requests: TriggerRequestPreviews) async -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > explainBodyLimit {
            return json(.contentTooLarge, .map(["error": .string(tooLarge)]))
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: explainBodyLimit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return json(.contentTooLarge, .map(["error": .string(tooLarge)]))
        } catch {
            return json(.badRequest, .map(["error": .string("the body could not be read: \(error)")]))
        }
        guard let sensors = state.sensors else {
            return json(.serviceUnavailable, .map(["error": "configuration not loaded"]))
        }
        let events: [Event]
        switch explainedEvents(Array(buffer: body)) {
        case .success(let decoded): events = decoded
        case .failure(let error): return json(.badRequest, .map(["error": .string(error.message)]))
        }
        var previews = requests
        previews.routing = state.routing
        let report = ExplainReport(
            sensors: sensors.sensors, events: events, subject: request.uri.queryParameters["subject"].map(String.init),
            subjectPrefix: sensors.subjectPrefix, requests: previews)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: report.json + "\n")))
    }

    private static var tooLarge: String { "the event is larger than \(explainBodyLimit) bytes" }

    /// Why an explain body was refused.
    struct InvalidEvents: Error {
        let message: String
    }

    /// The events of an explain body: one CloudEvent in structured mode (JSON or MessagePack), or a JSON array of
    /// them, in order.
    static func explainedEvents(_ body: [UInt8]) -> Result<[Event], InvalidEvents> {
        let first = body.first {
            ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains($0)
        }
        guard first == UInt8(ascii: "[") else {
            do {
                return .success([try CloudEventCodec.decode(payload: body)])
            } catch {
                return .failure(InvalidEvents(message: "the body is not a CloudEvent in structured mode: \(error)"))
            }
        }
        let root: EventValue
        do {
            root = try JSONCodec.decode(body)
        } catch {
            return .failure(InvalidEvents(message: "the body is not a JSON array of CloudEvents: \(error)"))
        }
        guard case .array(let elements) = root else {
            return .failure(InvalidEvents(message: "the body is not a JSON array of CloudEvents"))
        }
        guard !elements.isEmpty else { return .failure(InvalidEvents(message: "the array holds no event")) }
        var events: [Event] = []
        for (index, element) in elements.enumerated() {
            guard case .map = element else {
                return .failure(
                    InvalidEvents(message: "element \(index) is not a CloudEvent: it is \(element.typeName)"))
            }
            do {
                events.append(try CloudEventCodec.decode(payload: JSONCodec.encode(element)))
            } catch {
                return .failure(
                    InvalidEvents(message: "element \(index) is not a CloudEvent in structured mode: \(error)"))
            }
        }
        return .success(events)
    }

    static func json(_ status: HTTPResponse.Status, _ value: EventValue) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: JSONCodec.encodeToString(value) + "\n")))
    }
}
