"""The request handler the JSON API stand-ins share: HTTP/1.1 kept alive, quiet, JSON answers that record their
status in the request's log entry (`self.entry`, set by the stand-in while it answers a logged request)."""
import json
from http.server import BaseHTTPRequestHandler


def claim_fault(faults, path, method):
    """The first injected fault for `path` and `method` with uses left, one use taken; None when there is none. Call
    it with the stand-in's lock held."""
    fault = next((f for f in faults if path.startswith(f["prefix"]) and f.get("method", method) == method and
                  f.get("count", 1) > 0), None)
    if fault:
        fault["count"] = fault.get("count", 1) - 1
    return fault


class JSONHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    entry = None

    def log_message(self, *args):
        pass

    def logged_headers(self):
        """The request's headers for the log: names lower-cased, without Authorization."""
        return {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}

    def reply(self, status, body, headers=()):
        if self.entry is not None:
            self.entry["status"] = status
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
