#!/usr/bin/env python3
"""A loopback OTLP/HTTP trace receiver for the tests: decodes each export with opentelemetry-proto.

Prints `PORT <n>` once listening (port chosen by the kernel), or a reason and exits; then serves until killed.
  POST /v1/traces  an ExportTraceServiceRequest, as protobuf (application/x-protobuf) or JSON (application/json);
                   answers an empty ExportTraceServiceResponse in the same encoding, 400 when it does not decode
  GET  /_spans     200, JSON: every span received, in arrival order: trace_id, span_id, parent_span_id (hex; "" for
                   a root), name, kind (SPAN_KIND_…), attributes (values as JSON scalars), status_code
                   (STATUS_CODE_…), status_message, start_ns, end_ns, service_name, scope_name
  GET  /_exports   200, JSON: the content type of each export request received
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    from opentelemetry.proto.trace.v1 import trace_pb2
except ImportError as error:
    print(f"opentelemetry-proto is not installed ({error}): run make deps", flush=True)
    sys.exit(1)

SPANS = []
EXPORTS = []
LOCK = threading.Lock()


def any_value(value):
    """An OTLP AnyValue as a JSON value."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [any_value(element) for element in value.array_value.values]
    if kind == "kvlist_value":
        return {entry.key: any_value(entry.value) for entry in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def attributes(pairs):
    return {pair.key: any_value(pair.value) for pair in pairs}


def spans_of(request):
    """The spans of an ExportTraceServiceRequest as plain dictionaries."""
    found = []
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                found.append({
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": trace_pb2.Span.SpanKind.Name(span.kind),
                    "attributes": attributes(span.attributes),
                    "status_code": trace_pb2.Status.StatusCode.Name(span.status.code),
                    "status_message": span.status.message,
                    "start_ns": span.start_time_unix_nano,
                    "end_ns": span.end_time_unix_nano,
                    "service_name": resource.get("service.name"),
                    "resource": resource,
                    "scope_name": scope_spans.scope.name,
                })
    return found


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if self.path.split("?")[0] != "/v1/traces":
            self.reply(404, b"not found", "text/plain")
            return
        request = trace_service_pb2.ExportTraceServiceRequest()
        try:
            if content_type == "application/json":
                json_format.Parse(body, request)
            else:
                request.ParseFromString(body)
        except Exception as error:  # the test reads the reason from the gateway's log
            self.reply(400, f"undecodable export: {error}".encode(), "text/plain")
            return
        with LOCK:
            EXPORTS.append(content_type)
            SPANS.extend(spans_of(request))
        response = trace_service_pb2.ExportTraceServiceResponse()
        if content_type == "application/json":
            self.reply(200, json_format.MessageToJson(response).encode(), "application/json")
        else:
            self.reply(200, response.SerializeToString(), "application/x-protobuf")

    def do_GET(self):
        path = self.path.split("?")[0]
        with LOCK:
            if path == "/_spans":
                payload = json.dumps(SPANS)
            elif path == "/_exports":
                payload = json.dumps(EXPORTS)
            else:
                payload = None
        if payload is None:
            self.reply(404, b"not found", "text/plain")
        else:
            self.reply(200, payload.encode(), "application/json")

    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
