import Hummingbird

extension AdminServer {
    /// The console's paths: `GET /` (the page), `GET /console.js` and `GET /console.css`. They hold no state of the
    /// gateway (the page fetches `/status` and `/api/…` with the admin token when one is configured), so they answer
    /// without a token; each response carries a Content-Security-Policy that allows only the gateway's own script,
    /// style and API.
    static func addConsole<Context: RequestContext>(to router: Router<Context>, settings: ConsoleSettings) {
        let page = ConsolePage.html(settings)
        router.get("/") { _, _ in consoleResponse(page, type: "text/html; charset=utf-8") }
        router.get("/console.js") { _, _ in
            consoleResponse(ConsoleScript.javascript, type: "text/javascript; charset=utf-8")
        }
        router.get("/console.css") { _, _ in consoleResponse(ConsoleStyle.css, type: "text/css; charset=utf-8") }
    }

    /// The paths ``addConsole(to:settings:)`` serves.
    static var consolePaths: Set<String> { ["/", "/console.js", "/console.css"] }

    private static func consoleResponse(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .contentSecurityPolicy: ConsolePage.contentSecurityPolicy,
                .xContentTypeOptions: "nosniff", .cacheControl: "no-cache",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
