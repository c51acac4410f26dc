import Foundation

/// The console's HTML shell, served at `GET /`. It holds no state of the gateway: the script (``ConsoleScript``)
/// fetches everything it shows from the admin API, so the shell needs no token; the only values in it are the UI
/// base URLs of `console:` in gateway.yaml (links, never secrets), escaped.
enum ConsolePage {
    /// The page with `settings`' links.
    static func html(_ settings: ConsoleSettings) -> String {
        template
            .replacingOccurrences(of: "{{argoUIBaseURL}}", with: escaped(settings.argoUIBaseURL ?? ""))
            .replacingOccurrences(of: "{{kfpUIBaseURL}}", with: escaped(settings.kfpUIBaseURL ?? ""))
    }

    /// The Content-Security-Policy of every console response: only the gateway's own script, style and API; no inline
    /// script or style, no frame, no form posted elsewhere.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// `text` safe inside an HTML attribute value in double quotes.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static let template = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="sensor-gateway-argo-ui" content="{{argoUIBaseURL}}">
        <meta name="sensor-gateway-kfp-ui" content="{{kfpUIBaseURL}}">
        <title>sensor-gateway console</title>
        <link rel="stylesheet" href="console.css">
        <script src="console.js" defer></script>
        </head>
        <body>
        <header class="top">
          <div class="brand"><span class="logo">◆</span> sensor-gateway</div>
          <nav id="tabs">
            <a href="#sensors" data-view="sensors">Sensors</a>
            <a href="#firings" data-view="firings">Recent firings</a>
            <a href="#dead-letters" data-view="dead-letters">Dead letters</a>
            <a href="#explain" data-view="explain">Try an event</a>
          </nav>
          <div class="health" id="health">
            <span id="ready" class="badge">loading</span>
            <span id="nats" class="meta"></span>
            <span id="version" class="meta"></span>
            <span id="updated" class="meta"></span>
          </div>
        </header>
        <section id="token" class="banner" hidden>
          <form id="token-form">
            <label for="token-input">This gateway requires its admin token (<code>admin.tokenFile</code>):</label>
            <input id="token-input" type="password" autocomplete="off" spellcheck="false">
            <button type="submit">Use token</button>
          </form>
          <p class="hint">Kept in this tab's session storage only and sent as <code>Authorization: Bearer</code>.</p>
        </section>
        <p id="error" class="banner error" hidden></p>
        <main>
          <section id="view-sensors" class="view" hidden>
            <div class="toolbar">
              <input id="sensor-search" type="search" placeholder="Search sensors by name" autocomplete="off">
              <button id="sensor-expand" type="button">Expand page</button>
              <button id="sensor-collapse" type="button">Collapse all</button>
              <span class="spacer"></span>
              <span id="sensor-range" class="meta"></span>
              <button id="sensor-prev" type="button">‹ Previous</button>
              <button id="sensor-next" type="button">Next ›</button>
            </div>
            <div id="sensor-rejected"></div>
            <div id="sensor-list"></div>
          </section>
          <section id="view-firings" class="view" hidden>
            <p id="firings-summary" class="meta"></p>
            <table class="grid" id="firings-table">
              <thead><tr><th>Finished</th><th>Firing</th><th>Sensor / trigger</th><th>Events</th><th>Engine</th>
              <th>Target</th><th>Outcome</th><th>Duration</th><th>Trace</th></tr></thead>
              <tbody id="firings-rows"></tbody>
            </table>
          </section>
          <section id="view-dead-letters" class="view" hidden>
            <p id="dead-letters-summary" class="meta"></p>
            <table class="grid" id="dead-letters-table">
              <thead><tr><th>#</th><th>Time</th><th>Reason</th><th>Sensor / trigger</th><th>Event</th>
              <th>Deliveries</th><th>Replay</th></tr></thead>
              <tbody id="dead-letters-rows"></tbody>
            </table>
          </section>
          <section id="view-explain" class="view" hidden>
            <form id="explain-form">
              <label for="explain-event">A CloudEvent in structured mode (JSON), or an array of them fed in order
              (both halves of <code>a &amp;&amp; b</code>). Nothing is sent or fired.</label>
              <textarea id="explain-event" rows="12" spellcheck="false" placeholder='{"specversion": "1.0",
          "id": "order-7", "source": "shop", "subject": "order-created", "type": "com.example.order.created",
          "data": {"total": 42}}'></textarea>
              <div class="toolbar">
                <input id="explain-file" type="file" accept=".json,application/json">
                <input id="explain-subject" type="text" placeholder="NATS subject (optional)" autocomplete="off">
                <span class="spacer"></span>
                <button id="explain-link" type="button">Copy link</button>
                <button type="submit" class="primary">Explain</button>
              </div>
            </form>
            <div id="explain-result"></div>
          </section>
        </main>
        <footer class="meta" id="footer">Read-only. Refreshes the visible view every 5 s while this tab is
        shown.</footer>
        </body>
        </html>

        """
}
