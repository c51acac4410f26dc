/// The console's script, served at `GET /console.js`. Plain JavaScript, no library: it fetches the admin API with
/// relative URLs (so it also works behind `kubectl proxy`), builds every element with `textContent` (data is never
/// parsed as HTML), and polls the visible view every 5 s while the tab is shown.
enum ConsoleScript {
    static let javascript = #"""
        "use strict";
        (() => {
          const POLL_MS = 5000, PAGE = 50, TOKEN_KEY = "sensor-gateway.admin-token";
          const $ = (id) => document.getElementById(id);
          const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
          const ui = { argo: meta("sensor-gateway-argo-ui").replace(/\/+$/, ""),
            kfp: meta("sensor-gateway-kfp-ui").replace(/\/+$/, "") };
          const state = { view: "sensors", offset: 0, q: "", open: new Set(), busy: false, ready: undefined };

          // An element with attributes (class, title, href, …) and children (strings become text nodes).
          function el(tag, attributes, ...children) {
            const node = document.createElement(tag);
            for (const [key, value] of Object.entries(attributes || {})) {
              if (value === undefined || value === null || value === false) continue;
              if (key === "class") node.className = value; else node.setAttribute(key, String(value));
            }
            for (const child of children.flat()) {
              if (child === undefined || child === null || child === false) continue;
              node.append(child instanceof Node ? child : document.createTextNode(String(child)));
            }
            return node;
          }
          const badge = (text, tone) => el("span", { class: "badge " + (tone || "") }, text);
          const outcomeTone = (outcome) => ({ succeeded: "good", already_done: "good", retryable: "warn" })[outcome]
            || (outcome ? "bad" : "");
          const age = (seconds) => {
            const s = Math.max(0, Math.round(seconds));
            if (s < 60) return s + "s";
            if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
            if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
            return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
          };
          const when = (text) => {
            const date = new Date(text);
            return isNaN(date) ? String(text || "") : date.toLocaleString();
          };
          const ms = (value) => value < 1 ? value.toFixed(2) + " ms" : value < 1000 ? Math.round(value) + " ms"
            : (value / 1000).toFixed(2) + " s";
          // "1 trigger", "2 triggers".
          const count = (n, noun, plural) => n + " " + (n === 1 ? noun : plural || noun + "s");
          const cell = (value, attributes) => el("td", attributes || {}, value);
          const num = (value) => el("td", { class: "num" }, value === undefined || value === null ? "–" : value);
          // A sensor's name as a link to it: the sensors view searching for it, the sensor expanded.
          const sensorLink = (name) => name
            ? el("a", { href: "#sensor=" + encodeURIComponent(name), class: "sensor-link" }, name) : "–";

          // Admin API calls: the token (when one was given) as a bearer token; a 401 asks for it.
          class Unauthorized extends Error {}
          async function api(path, options) {
            const token = sessionStorage.getItem(TOKEN_KEY);
            const headers = Object.assign({}, (options || {}).headers);
            if (token) headers["Authorization"] = "Bearer " + token;
            const response = await fetch(path, Object.assign({}, options, { headers, cache: "no-store" }));
            if (response.status === 401) throw new Unauthorized("the admin token is required");
            const text = await response.text();
            let body = null;
            try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
            if (!response.ok) {
              throw new Error(path + ": " + response.status + " " + ((body && body.error) || text.slice(0, 200)));
            }
            return body;
          }
          function showError(error) {
            if (error instanceof Unauthorized) { $("token").hidden = false; $("error").hidden = true; return; }
            $("error").textContent = String(error.message || error);
            $("error").hidden = false;
          }
          const clearError = () => { $("error").hidden = true; };

          // The header: readiness from /readyz at every poll; the NATS state and the version from /status (large at
          // many sensors) only at the first poll and when readiness changes.
          async function refreshHealth(full) {
            const ready = await fetch("readyz", { cache: "no-store" }).then((r) => r.json()).catch(() => null);
            const changed = state.ready !== (ready && ready.ready);
            state.ready = ready && ready.ready;
            const readyBadge = $("ready");
            readyBadge.textContent = ready ? (ready.ready ? "ready" : "not ready") : "unreachable";
            readyBadge.className = "badge " + (ready && ready.ready ? "good" : "bad");
            readyBadge.title = (ready && ready.reason) || "";
            if (full || changed) {
              const status = await api("status");
              $("nats").textContent = "NATS " + status.nats;
              $("version").textContent = status.build.version;
              $("version").title = status.build.revision;
            }
            $("updated").textContent = "updated " + new Date().toLocaleTimeString();
          }

          // Sensors: one page of /api/sensors, each sensor collapsible (collapsed unless opened).
          async function refreshSensors() {
            const query = new URLSearchParams({ offset: state.offset, limit: PAGE, q: state.q });
            const page = await api("api/sensors?" + query);
            const last = Math.min(page.offset + page.sensors.length, page.total);
            $("sensor-range").textContent = page.total === 0 ? "no sensor"
              : `${page.offset + 1}–${last} of ${page.total}`;
            $("sensor-prev").disabled = page.offset === 0;
            $("sensor-next").disabled = last >= page.total;
            $("sensor-rejected").replaceChildren(...(page.rejected || []).map((entry) => el("div",
              { class: "card not-loaded" }, el("h3", {}, "Not loaded: " + (entry.name || entry.file)),
              el("div", { class: "meta" }, entry.file), el("pre", { class: "finding" }, entry.finding))));
            const list = $("sensor-list");
            if (page.sensors.length === 0) {
              list.replaceChildren(el("p", { class: "empty" }, state.q ? "No sensor matches." : "No sensor loaded."));
              return;
            }
            list.replaceChildren(...page.sensors.map(sensorView));
          }

          function sensorView(sensor) {
            const held = sensor.triggers.reduce((n, t) => n + (t.held || []).length, 0);
            const rejected = sensor.dependencies.reduce((n, d) => n + (d.rejected || 0), 0);
            const outcomes = sensor.triggers.map((t) => t.last && t.last.outcome).filter(Boolean);
            const open = state.open.has(sensor.name);
            const details = el("details", { class: "sensor", "data-sensor": sensor.name, open },
              el("summary", {}, el("span", { class: "name" }, sensor.name),
                el("span", { class: "meta" }, count(sensor.dependencies.length, "dependency", "dependencies") + " · "
                  + count(sensor.triggers.length, "trigger")),
                held ? badge(held + " held", "warn") : null,
                rejected ? badge(rejected + " filtered", "") : null,
                ...outcomes.slice(0, 3).map((o) => badge(o, outcomeTone(o))),
                el("span", { class: "spacer" }), el("span", { class: "meta" }, sensor.file)));
            details.addEventListener("toggle", () => {
              if (details.open) state.open.add(sensor.name); else state.open.delete(sensor.name);
            });
            details.append(el("div", { class: "body" }, dependenciesView(sensor), ...sensor.triggers.map(triggerView)));
            return details;
          }

          function dependenciesView(sensor) {
            const rows = [];
            for (const d of sensor.dependencies) {
              const lag = d.lag ? `${d.lag.pending} pending · ${d.lag.ackPending} in flight · `
                + `${d.lag.redelivered} redelivered` : "–";
              rows.push(el("tr", { class: "dependency", "data-dependency": d.name },
                cell(el("strong", {}, d.name)), cell(el("code", {}, d.subject)),
                cell(el("span", { class: "mono" }, d.consumer)), cell(lag),
                el("td", { class: "num passed" }, d.passed), el("td", { class: "num rejected" }, d.rejected)));
              for (const f of d.filters || []) {
                rows.push(el("tr", { class: "sub filter", "data-dependency": d.name, "data-kind": f.kind },
                  cell(badge(f.kind)), el("td", { colspan: 3 }, el("code", {}, f.description)),
                  el("td", { class: "num passed" }, f.passed), el("td", { class: "num rejected" }, f.rejected)));
              }
            }
            return el("div", {}, el("h4", {}, "Dependencies and filters"),
              el("table", { class: "grid" }, el("thead", {}, el("tr", {}, el("th", {}, "Dependency"),
                el("th", {}, "Subject"), el("th", {}, "Consumer"), el("th", {}, "Lag"),
                el("th", { class: "num" }, "Passed"), el("th", { class: "num" }, "Rejected"))),
              el("tbody", {}, rows)));
          }

          function triggerView(t) {
            const outcomes = Object.entries(t.outcomes || {}).filter(([, n]) => n > 0)
              .map(([o, n]) => badge(`${o} ${n}`, outcomeTone(o)));
            const held = (t.held || []).map((h) => el("tr", { class: "held", "data-dependency": h.dependency },
              cell(el("strong", {}, h.dependency)), cell(el("span", { class: "mono event-id" }, h.eventId)),
              cell(when(h.since)), el("td", { class: "num age" }, age(h.ageSeconds))));
            return el("div", { class: "trigger", "data-trigger": t.name },
              el("div", { class: "head" }, el("span", { class: "name" }, t.name), badge(t.engine),
                el("span", {}, "when ", el("code", { class: "condition" }, t.condition)),
                el("span", { class: "chips" }, outcomes.length ? outcomes : el("span", { class: "meta" }, "not fired")),
                t.latency ? el("span", { class: "meta" }, `latency mean ${ms(t.latency.meanMs)} · `
                  + `max ${ms(t.latency.maxMs)} · ` + count(t.latency.count, "run")) : null),
              t.last ? el("div", { class: "meta" }, "last: ", badge(t.last.outcome, outcomeTone(t.last.outcome)),
                " ", when(t.last.at), " · ", t.last.detail) : null,
              held.length ? el("table", { class: "grid held-table" }, el("thead", {}, el("tr", {},
                el("th", {}, "Held dependency"), el("th", {}, "Event id"), el("th", {}, "Since"),
                el("th", { class: "num" }, "Age"))), el("tbody", {}, held)) : null);
          }

          // The target of a firing from its outcome's detail, as a link when the engine's UI is configured.
          function target(firing) {
            const detail = firing.detail || "";
            const workflow = /(?:^|; )(?:workflow|Workflow) ([a-z0-9.-]+)\/([a-z0-9.-]+)/.exec(detail);
            if (workflow) {
              const text = "workflow " + workflow[2];
              if (!ui.argo) return text;
              const href = `${ui.argo}/workflows/${encodeURIComponent(workflow[1])}/${encodeURIComponent(workflow[2])}`;
              return el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "target" }, text);
            }
            const run = /Kubeflow run '([^']*)' (?:created|exists) \(([^)]+)\)/.exec(detail);
            if (run) {
              const text = "run " + run[1];
              if (!ui.kfp) return text;
              const href = `${ui.kfp}/#/runs/details/${encodeURIComponent(run[2])}`;
              return el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "target" }, text);
            }
            return "";
          }

          async function refreshFirings() {
            const answer = await api("api/firings");
            $("firings-summary").textContent = `${answer.firings.length} firings (the last ${answer.capacity} kept).`;
            $("firings-rows").replaceChildren(...(answer.firings.length ? answer.firings.map((f) =>
              el("tr", { class: "firing", "data-firing": f.id }, cell(when(f.at), { class: "nowrap" }),
                cell(el("span", { class: "mono", title: f.id }, f.id)),
                cell([el("strong", {}, sensorLink(f.sensor)), " / ", f.trigger]),
                cell(f.events.map((id) => el("div", { class: "mono" }, id))),
                cell([f.engine, f.route ? el("div", { class: "meta" }, "route " + f.route) : null]),
                cell([target(f), el("div", { class: "meta detail" }, f.detail)]),
                cell(badge(f.outcome, outcomeTone(f.outcome))), num(ms(f.durationSeconds * 1000)),
                cell(f.traceID ? el("span", { class: "mono" }, f.traceID) : "–")))
              : [el("tr", {}, el("td", { colspan: 9, class: "empty" }, "Nothing fired since the gateway started."))]));
          }

          async function refreshDeadLetters() {
            const answer = await api("api/dead-letters?limit=50");
            $("dead-letters-summary").textContent =
              `Stream ${answer.stream}: ${answer.total} dead letters, the latest ${answer.entries.length} shown.`;
            $("dead-letters-rows").replaceChildren(...(answer.entries.length ? answer.entries.map((d) => {
              const copy = el("button", { type: "button", class: "small" }, "Copy");
              copy.addEventListener("click", () => copyText(d.replay, copy));
              return el("tr", { class: "dead-letter" }, num(d.sequence), cell(when(d.time), { class: "nowrap" }),
                cell(d.reason), cell([sensorLink(d.sensor), " / ", d.trigger || "–",
                  d.firing ? el("div", { class: "meta mono" }, "firing " + d.firing) : null]),
                cell([el("div", { class: "mono" }, d.eventId || "–"), el("div", { class: "meta" }, d.subject)]),
                num(d.deliveries), cell(el("div", { class: "replay" }, el("code", {}, d.replay), copy)));
            }) : [el("tr", {}, el("td", { colspan: 7, class: "empty" }, "No dead letter."))]));
          }

          async function copyText(text, button) {
            try { await navigator.clipboard.writeText(text); button.textContent = "Copied"; }
            catch (_) { window.prompt("Copy:", text); }
            setTimeout(() => { button.textContent = button.dataset.label || "Copy"; }, 1500);
          }

          // Try an event: POST api/explain, then the verdicts per sensor, dependency and filter.
          const pretty = (text) => {
            try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text; }
          };
          async function explain() {
            const text = $("explain-event").value.trim();
            const result = $("explain-result");
            try { JSON.parse(text); } catch (error) {
              result.replaceChildren(el("p", { class: "banner error" }, "Not JSON: " + error.message));
              return;
            }
            const subject = $("explain-subject").value.trim();
            const path = "api/explain" + (subject ? "?subject=" + encodeURIComponent(subject) : "");
            try {
              const answer = await api(path, { method: "POST", body: text,
                headers: { "Content-Type": "application/cloudevents+json" } });
              result.replaceChildren(explanationView(answer));
            } catch (error) {
              if (error instanceof Unauthorized) showError(error);
              result.replaceChildren(el("p", { class: "banner error" }, String(error.message || error)));
            }
          }

          function explanationView(answer) {
            const reached = [], missed = [];
            for (const sensor of answer.sensors) {
              (sensor.triggers.some((t) => t.fires || t.dependencies.length || t.filters.length)
                ? reached : missed).push(sensor);
            }
            const fires = reached.reduce((n, s) => n + s.triggers.filter((t) => t.fires).length, 0);
            return el("div", { class: "explanation" },
              el("p", {}, badge(fires ? `${fires} trigger${fires > 1 ? "s" : ""} would fire` : "nothing would fire",
                fires ? "good" : "warn"), " ", el("span", { class: "meta" },
                `${reached.length} of ${answer.sensors.length} sensors reached by the event`)),
              answer.nearMiss ? el("p", { class: "banner near-miss" }, answer.nearMiss.message) : null,
              ...reached.map((sensor) => el("div", { class: "card explained", "data-sensor": sensor.name },
                el("h3", {}, sensor.name), ...sensor.triggers.map(explainedTrigger))),
              missed.length ? el("details", { class: "meta" }, el("summary", {},
                `${missed.length} sensors not reached`), el("p", {}, missed.map((s) => s.name).join(", "))) : null);
          }

          function explainedTrigger(t) {
            const rows = t.filters.map((f) => el("tr", { class: "verdict" }, cell(el("strong", {}, f.dependency)),
              cell(badge(f.kind)), cell(el("code", {}, f.filter)),
              cell(el("span", { class: f.passed ? "verdict-pass" : "verdict-fail" }, f.passed ? "passed" : "rejected")),
              cell(el("code", { class: "observed" }, JSON.stringify(f.observed))),
              cell([el("span", { class: "mono" }, f.event),
                f.error ? el("div", { class: "verdict-fail" }, f.error) : null])));
            return el("div", { class: "trigger", "data-trigger": t.name },
              el("div", { class: "head" }, el("span", { class: "name" }, t.name),
                badge(t.fires ? "fires" : "does not fire", t.fires ? "good" : "warn"),
                el("span", {}, "when ", el("code", {}, t.condition)),
                el("span", { class: "meta" }, "reached: " + (t.dependencies.join(", ") || "none"))),
              rows.length ? el("table", { class: "grid" }, el("thead", {}, el("tr", {}, el("th", {}, "Dependency"),
                el("th", {}, "Kind"), el("th", {}, "Filter"), el("th", {}, "Verdict"), el("th", {}, "Value seen"),
                el("th", {}, "Event"))), el("tbody", {}, rows)) : null,
              t.error ? el("p", { class: "verdict-fail" }, t.error) : null,
              t.request ? [el("h4", {}, "Request that would be sent"),
                el("pre", { class: "request" }, JSON.stringify(t.request, null, 2))] : null);
          }

          // Views and polling: only the visible view refreshes, and nothing while the tab is hidden.
          const refreshers = { sensors: refreshSensors, firings: refreshFirings, "dead-letters": refreshDeadLetters };
          async function refresh(full) {
            if (state.busy || document.hidden) return;
            state.busy = true;
            try {
              await refreshHealth(full);
              if (refreshers[state.view]) await refreshers[state.view]();
              clearError();
            } catch (error) { showError(error); } finally { state.busy = false; }
          }

          function route() {
            const hash = location.hash.slice(1);
            const shared = hash.startsWith("explain=") ? hash.slice("explain=".length) : null;
            if (hash.startsWith("sensor=")) {
              const name = decodeURIComponent(hash.slice("sensor=".length));
              state.q = name;
              state.offset = 0;
              state.open.add(name);
              $("sensor-search").value = name;
            }
            const view = shared !== null ? "explain" : refreshers[hash] || hash === "explain" ? hash : "sensors";
            state.view = view;
            for (const section of document.querySelectorAll("section.view")) {
              section.hidden = section.id !== "view-" + view;
            }
            for (const tab of document.querySelectorAll("#tabs a")) {
              tab.classList.toggle("active", tab.dataset.view === view);
            }
            if (shared !== null) {
              try {
                $("explain-event").value = pretty(decodeURIComponent(shared));
                explain();
              } catch (error) { showError(error); }
            }
            refresh(false);
          }

          function wire() {
            $("token-form").addEventListener("submit", (event) => {
              event.preventDefault();
              sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
              $("token-input").value = "";
              $("token").hidden = true;
              refresh(true);
            });
            let timer = null;
            $("sensor-search").addEventListener("input", () => {
              clearTimeout(timer);
              timer = setTimeout(() => {
                state.q = $("sensor-search").value.trim();
                state.offset = 0;
                refresh(false);
              }, 250);
            });
            $("sensor-prev").addEventListener("click", () => {
              state.offset = Math.max(0, state.offset - PAGE);
              refresh(false);
            });
            $("sensor-next").addEventListener("click", () => { state.offset += PAGE; refresh(false); });
            $("sensor-expand").addEventListener("click", () => {
              for (const d of document.querySelectorAll("details.sensor")) {
                d.open = true;
                state.open.add(d.dataset.sensor);
              }
            });
            $("sensor-collapse").addEventListener("click", () => {
              state.open.clear();
              for (const d of document.querySelectorAll("details.sensor")) d.open = false;
            });
            $("explain-form").addEventListener("submit", (event) => { event.preventDefault(); explain(); });
            $("explain-file").addEventListener("change", async () => {
              const file = $("explain-file").files[0];
              if (file) {
                $("explain-event").value = pretty(await file.text());
                explain();
              }
            });
            const link = $("explain-link");
            link.dataset.label = "Copy link";
            link.addEventListener("click", () => {
              const event = encodeURIComponent($("explain-event").value.trim());
              copyText(location.href.split("#")[0] + "#explain=" + event, link);
            });
            window.addEventListener("hashchange", route);
            document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(false); });
            setInterval(() => refresh(false), POLL_MS);
            route();
          }
          document.addEventListener("DOMContentLoaded", wire);
        })();

        """#
}
