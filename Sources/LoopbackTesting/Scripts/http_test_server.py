#!/usr/bin/env python3
"""A loopback HTTP/1.1 server for the HTTPTransport tests; keeps connections alive.

Prints `PORT <n>` once listening (port chosen by the kernel), then serves until killed.
  /echo        200, JSON: method, path, headers (lower-cased names), body, client_port (one per connection)
  /status/<n>  status n, body "status <n>" (none for 204 and 304)
  /slow/<ms>   sleeps, then 200 "slow"
  /stream/<n>  200, chunked: n lines `chunk <i>` 50 ms apart (n = 0: until the client goes away)
  /stats       200, JSON: max_in_flight, the most /slow requests held at once; open_streams, /stream responses
               being sent now
Options: --cert FILE --key FILE serve HTTPS.
"""
import argparse
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


IN_FLIGHT = {"now": 0, "max": 0, "streams": 0}
IN_FLIGHT_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        if path == "/echo":
            payload = json.dumps({
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "client_port": self.client_address[1],
            }).encode()
            self.reply(200, payload, "application/json")
        elif path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            self.reply(status, f"status {status}".encode(), "text/plain")
        elif path.startswith("/slow/"):
            with IN_FLIGHT_LOCK:
                IN_FLIGHT["now"] += 1
                IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
            time.sleep(int(path.rsplit("/", 1)[1]) / 1000)
            with IN_FLIGHT_LOCK:
                IN_FLIGHT["now"] -= 1
            self.reply(200, b"slow", "text/plain")
        elif path.startswith("/stream/"):
            self.stream(int(path.rsplit("/", 1)[1]))
        elif path == "/stats":
            with IN_FLIGHT_LOCK:
                payload = json.dumps({"max_in_flight": IN_FLIGHT["max"], "open_streams": IN_FLIGHT["streams"]}).encode()
            self.reply(200, payload, "application/json")
        else:
            self.reply(404, b"not found", "text/plain")

    def stream(self, count):
        with IN_FLIGHT_LOCK:
            IN_FLIGHT["streams"] += 1
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            index = 0
            while count == 0 or index < count:
                line = f"chunk {index}\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
                index += 1
                time.sleep(0.05)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        finally:
            with IN_FLIGHT_LOCK:
                IN_FLIGHT["streams"] -= 1

    def reply(self, status, payload, content_type):
        if status in (204, 304):
            payload = b""  # these statuses never carry a body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if options.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(options.cert, options.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
