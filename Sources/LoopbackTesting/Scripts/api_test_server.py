#!/usr/bin/env python3
"""A loopback stand-in for Argo Server (/api/v1) and the Kubeflow Pipelines API server (/apis/v2beta1, /apis/v1beta1).

Every request body is validated with the `jsonschema` package against the upstream specs in --upstream:
Argo WorkflowCreateRequest / WorkflowSubmitRequest (swagger.json, request wrappers with unknown fields rejected) and
the Workflow JSON schema (jsonschema-schema.json); KFP v2beta1Run / v2beta1Experiment and v1beta1 apiRun /
apiExperiment with unknown fields rejected everywhere, as KFP >= 2.14 does. An invalid body gets 400 and is logged.

Control (for tests): POST /_control {"faults": [{"prefix": "/api/v1/workflows", "method": "POST", "status": 503,
"count": 2}], "delay": {"prefix": "...", "seconds": 5}}; GET /_log returns every request seen (method, path,
body, authorized, invalid, the status answered); POST /_reset clears state and log. /sink answers 200 {} to anything;
/hook/<status> logs the request with its headers and answers <status>.

Prints "PORT <n>" once listening, or "ERROR <reason>" and exits 2.
"""
import argparse
import copy
import json
import sys
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from json_handler import JSONHandler, claim_fault
from urllib.parse import parse_qs, unquote, urlsplit


def fail(reason):
    print("ERROR " + reason, flush=True)
    sys.exit(2)


try:
    import jsonschema
except ImportError:
    fail("python3 package jsonschema is missing (make test installs it: pip install jsonschema)")


def strict(definitions, names=None):
    """Unknown fields rejected: additionalProperties false on object definitions that list properties."""
    result = copy.deepcopy(definitions)
    for name, schema in result.items():
        if names is not None and name not in names:
            continue
        if isinstance(schema, dict) and "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    return result


class Specs:
    def __init__(self, upstream):
        try:
            swagger = json.load(open(f"{upstream}/argo-workflows/swagger.json"))
            workflow_schema = json.load(open(f"{upstream}/argo-workflows/jsonschema-schema.json"))
            kfp2 = json.load(open(f"{upstream}/kfp/v2beta1/kfp_api_single_file.swagger.json"))
            kfp1 = json.load(open(f"{upstream}/kfp/v1beta1/kfp_api_single_file.swagger.json"))
        except OSError as error:
            fail(f"upstream specs missing under {upstream}: {error}")
        wf = "io.argoproj.workflow.v1alpha1."
        argo_strict = {wf + n for n in ["WorkflowCreateRequest", "WorkflowSubmitRequest", "SubmitOpts",
                                        "WorkflowResubmitRequest", "WorkflowRetryRequest", "WorkflowResumeRequest",
                                        "WorkflowSuspendRequest", "WorkflowTerminateRequest", "WorkflowStopRequest"]}
        argo_definitions = strict(swagger["definitions"], argo_strict)
        kfp2_definitions = strict(kfp2["definitions"])
        kfp1_definitions = strict(kfp1["definitions"])

        def validator(definitions, name):
            return jsonschema.Draft4Validator({"$ref": f"#/definitions/{name}", "definitions": definitions})

        self.argo = {kind: validator(argo_definitions, wf + kind) for kind in
                     ["WorkflowCreateRequest", "WorkflowSubmitRequest", "WorkflowResubmitRequest",
                      "WorkflowRetryRequest", "WorkflowResumeRequest", "WorkflowSuspendRequest",
                      "WorkflowTerminateRequest", "WorkflowStopRequest"]}
        workflow_only = dict(workflow_schema)
        workflow_only.pop("oneOf")
        workflow_only["$ref"] = "#/definitions/" + wf + "Workflow"
        self.workflow = jsonschema.Draft202012Validator(workflow_only)
        self.kfp2 = {n: validator(kfp2_definitions, n) for n in ["v2beta1Run", "v2beta1Experiment"]}
        self.kfp1 = {n: validator(kfp1_definitions, n) for n in ["apiRun", "apiExperiment"]}

    @staticmethod
    def errors(validator, body):
        return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.workflows = {}
        self.templates = {("argo", "WorkflowTemplate", "my-wft"), ("", "ClusterWorkflowTemplate", "cluster-wft"),
                          ("argo", "CronWorkflow", "nightly")}
        self.pipelines = {"p-hello": "hello"}
        self.versions = {"p-hello": {"v-1": "v1", "v-2": "v2"}}
        self.experiments = {"e-default": ("Default", None)}
        self.runs = []
        self.faults = []
        self.delay = None
        self.log = []


def predicate_value(query, key_names):
    """The string_value of an EQUALS predicate on one of key_names in the `filter` query, or None."""
    text = query.get("filter", [None])[0]
    if text is None:
        return None
    for predicate in json.loads(unquote(text)).get("predicates", []):
        if predicate.get("key") in key_names:
            return predicate.get("string_value", predicate.get("stringValue"))
    return None


class Handler(JSONHandler):
    server_version = "api-test-server"

    def error(self, status, grpc, message, kfp=False):
        body = {"code": grpc, "message": message, "details": []}
        if kfp:
            body["details"] = [{"@type": "type.googleapis.com/google.rpc.Status", "code": grpc, "message": message}]
        self.reply(status, body)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def handle_any(self, method):
        self.entry = None  # the logged request being answered; a connection's handler serves many requests
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        state, specs = self.server.state, self.server.specs
        if path == "/sink":
            return self.reply(200, {})
        if path.startswith("/hook"):
            with state.lock:
                state.log.append({"method": method, "path": path, "query": parts.query, "authorized": True,
                                  "invalid": [], "body": json.loads(raw) if raw else None,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}})
            status = int(path.split("/")[2]) if path.count("/") >= 2 else 200
            return self.reply(status, {})
        if path == "/_log":
            with state.lock:
                return self.reply(200, state.log)
        if path == "/_reset":
            with state.lock:
                state.reset()
            return self.reply(200, {})
        if path == "/_control":
            control = json.loads(raw or b"{}")
            with state.lock:
                state.faults.extend(control.get("faults", []))
                state.delay = control.get("delay", state.delay)
                for template in control.get("templates", []):
                    state.templates.add((template["namespace"], template["kind"], template["name"]))
                for pipeline in control.get("pipelines", []):
                    state.pipelines["p-" + pipeline["name"]] = pipeline["name"]
                    state.versions["p-" + pipeline["name"]] = {
                        "v-" + pipeline["name"] + "-" + version: version for version in pipeline["versions"]}
            return self.reply(200, {})
        if path.startswith("/resources/"):
            return self.resource(path)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self.error(400, 3, "body is not JSON")
        token = self.server.token
        authorized = token is None or self.headers.get("Authorization") == "Bearer " + token
        entry = {"method": method, "path": path, "query": parts.query, "body": body, "authorized": authorized,
                 "invalid": [], "headers": self.logged_headers()}
        self.entry = entry
        with state.lock:
            state.log.append(entry)
            delay = state.delay
            fault = claim_fault(state.faults, path, method)
        if delay and path.startswith(delay["prefix"]):
            time.sleep(delay["seconds"])
        if not authorized:
            return self.error(401, 16, "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/")
        if fault:
            headers = [("Retry-After", str(fault["retryAfter"]))] if "retryAfter" in fault else []
            message = fault.get("message", "injected fault")
            details = ([{"@type": "type.googleapis.com/google.rpc.Status", "code": 14, "message": message}]
                       if path.startswith("/apis/") else [])
            data = json.dumps({"code": 14, "message": "internal error chain: " + message, "details": details}).encode()
            entry["status"] = fault["status"]
            self.send_response(fault["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            return self.wfile.write(data)
        if path.startswith("/api/v1/"):
            return self.argo(method, path[len("/api/v1/"):].split("/"), body, entry, specs, state)
        if path.startswith("/apis/v2beta1/"):
            return self.kfp2(method, path[len("/apis/v2beta1/"):].split("/"), query, body, entry, specs, state)
        if path.startswith("/apis/v1beta1/"):
            return self.kfp1(method, path[len("/apis/v1beta1/"):].split("/"), query, body, entry, specs, state)
        return self.error(404, 5, "no route " + path)

    def invalid(self, entry, errors, kfp=False):
        entry["invalid"] = errors
        return self.error(400, 3, "schema: " + "; ".join(errors[:5]), kfp)

    def resource(self, path):
        text = ("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: fetched-\nspec:\n"
                "  entrypoint: main\n  arguments:\n    parameters:\n    - name: message\n      value: default\n"
                "  templates:\n  - name: main\n    container:\n      image: busybox\n")
        if path.endswith("/pod.yaml"):
            text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/yaml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # Argo Server

    def argo(self, method, segments, body, entry, specs, state):
        if segments[0] != "workflows" or len(segments) < 2:
            return self.error(404, 5, "not found")
        namespace = segments[1]
        if method == "POST" and len(segments) == 2:
            errors = Specs.errors(specs.argo["WorkflowCreateRequest"], body)
            if not errors and isinstance(body, dict):
                errors = ["workflow: " + e for e in Specs.errors(specs.workflow, body.get("workflow"))]
            if errors:
                return self.invalid(entry, errors)
            workflow = body["workflow"]
            name = workflow.get("metadata", {}).get("name")
            if not name or len(name) > 63:
                return self.error(400, 3, "invalid name")
            return self.store(namespace, name, workflow, state)
        if method == "POST" and segments[2:] == ["submit"]:
            errors = Specs.errors(specs.argo["WorkflowSubmitRequest"], body)
            if errors:
                return self.invalid(entry, errors)
            kind, template = body["resourceKind"], body["resourceName"]
            scope = "" if kind == "ClusterWorkflowTemplate" else namespace
            if (scope, kind, template) not in state.templates:
                return self.error(404, 5, f"{kind} {template} not found")
            options = body.get("submitOptions", {})
            try:
                labels = dict(p.split("=", 1) for p in options.get("labels", "").split(",") if p)
                parameters = [dict(zip(["name", "value"], p.split("=", 1))) for p in options.get("parameters", [])]
            except ValueError:
                return self.error(500, 13, "malformed submitOptions")
            name = options.get("name") or template + "-" + uuid.uuid4().hex[:5]
            workflow = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                        "metadata": {"name": name, "namespace": namespace, "labels": labels},
                        "spec": {"workflowTemplateRef": {"name": template,
                                                         "clusterScope": kind == "ClusterWorkflowTemplate"},
                                 "arguments": {"parameters": parameters}}}
            return self.store(namespace, name, workflow, state)
        if method == "GET" and len(segments) == 3:
            with state.lock:
                workflow = state.workflows.get((namespace, segments[2]))
            return self.reply(200, workflow) if workflow else self.error(404, 5, "not found")
        if method == "PUT" and len(segments) == 4:
            kind = {"resubmit": "Resubmit", "retry": "Retry", "resume": "Resume", "suspend": "Suspend",
                    "terminate": "Terminate", "stop": "Stop"}.get(segments[3])
            if kind is None:
                return self.error(404, 5, "not found")
            errors = Specs.errors(specs.argo[f"Workflow{kind}Request"], body or {})
            if errors:
                return self.invalid(entry, errors)
            with state.lock:
                workflow = state.workflows.get((namespace, segments[2]))
            return self.reply(200, workflow) if workflow else self.error(404, 5, "workflow not found")
        return self.error(404, 5, "not found")

    def store(self, namespace, name, workflow, state):
        with state.lock:
            if (namespace, name) in state.workflows:
                return self.error(409, 6, f'workflows.argoproj.io "{name}" already exists')
            stored = copy.deepcopy(workflow)
            stored.setdefault("metadata", {})["namespace"] = namespace
            stored["status"] = {"phase": "Pending"}
            state.workflows[(namespace, name)] = stored
        return self.reply(200, stored)

    # Kubeflow Pipelines v2beta1

    def kfp2(self, method, segments, query, body, entry, specs, state):
        if segments[0] == "pipelines" and method == "GET":
            if len(segments) == 3 and segments[1] == "names":
                name = unquote(segments[2])
                pid = next((p for p, n in state.pipelines.items() if n == name), None)
                if pid is None:
                    return self.error(404, 5, f"pipeline {name} not found", kfp=True)
                return self.reply(200, {"pipeline_id": pid, "display_name": name, "name": name})
            if len(segments) == 3 and segments[2] == "versions":
                wanted = predicate_value(query, ["display_name", "name"])
                versions = [{"pipeline_id": segments[1], "pipeline_version_id": v, "display_name": n}
                            for v, n in state.versions.get(segments[1], {}).items() if wanted in (None, n)]
                return self.reply(200, {"pipeline_versions": versions, "total_size": len(versions)})
        if segments == ["experiments"]:
            if method == "GET":
                wanted = predicate_value(query, ["display_name"])
                with state.lock:
                    found = [{"experiment_id": e, "display_name": n} for e, (n, _) in state.experiments.items()
                             if wanted in (None, n)]
                return self.reply(200, {"experiments": found} if found else {})
            errors = Specs.errors(specs.kfp2["v2beta1Experiment"], body)
            if errors:
                return self.invalid(entry, errors, kfp=True)
            with state.lock:
                if any(n == body["display_name"] for n, _ in state.experiments.values()):
                    return self.error(409, 6, "Failed to create a new experiment: experiment already exists",
                                      kfp=True)
                experiment_id = "e-" + uuid.uuid4().hex[:8]
                state.experiments[experiment_id] = (body["display_name"], body.get("namespace"))
            return self.reply(200, {"experiment_id": experiment_id, "display_name": body["display_name"]})
        if segments == ["runs"]:
            if method == "GET":
                wanted = predicate_value(query, ["display_name"])
                experiment = query.get("experiment_id", [None])[0]
                with state.lock:
                    runs = [r for r in state.runs if r.get("display_name") == wanted and
                            experiment in (None, r.get("experiment_id"))]
                return self.reply(200, {"runs": runs[:1], "total_size": len(runs)} if runs else {})
            errors = Specs.errors(specs.kfp2["v2beta1Run"], body)
            if errors:
                return self.invalid(entry, errors, kfp=True)
            if not body.get("display_name"):
                return self.error(400, 3, "The run name is empty", kfp=True)
            reference = body.get("pipeline_version_reference", {})
            if reference.get("pipeline_id") not in state.pipelines:
                return self.error(404, 5, "pipeline not found", kfp=True)
            run = dict(body, run_id=str(uuid.uuid4()), state="PENDING")
            with state.lock:
                state.runs.append(run)
            return self.reply(200, run)
        return self.error(404, 5, "not found", kfp=True)

    # Kubeflow Pipelines v1beta1

    def kfp1(self, method, segments, query, body, entry, specs, state):
        if segments == ["pipelines"] and method == "GET":
            wanted = predicate_value(query, ["name"])
            found = [{"id": p, "name": n} for p, n in state.pipelines.items() if wanted in (None, n)]
            return self.reply(200, {"pipelines": found} if found else {})
        if segments == ["pipeline_versions"] and method == "GET":
            wanted = predicate_value(query, ["name"])
            pid = query.get("resource_key.id", [None])[0]
            found = [{"id": v, "name": n} for v, n in state.versions.get(pid, {}).items() if wanted in (None, n)]
            return self.reply(200, {"versions": found} if found else {})
        if segments == ["experiments"]:
            if method == "GET":
                wanted = predicate_value(query, ["name"])
                with state.lock:
                    found = [{"id": e, "name": n} for e, (n, _) in state.experiments.items() if wanted in (None, n)]
                return self.reply(200, {"experiments": found} if found else {})
            errors = Specs.errors(specs.kfp1["apiExperiment"], body)
            if errors:
                return self.invalid(entry, errors, kfp=True)
            with state.lock:
                if any(n == body["name"] for n, _ in state.experiments.values()):
                    return self.error(409, 6, "experiment already exists", kfp=True)
                experiment_id = "e-" + uuid.uuid4().hex[:8]
                state.experiments[experiment_id] = (body["name"], None)
            return self.reply(200, {"id": experiment_id, "name": body["name"]})
        if segments == ["runs"]:
            if method == "GET":
                wanted = predicate_value(query, ["name"])
                with state.lock:
                    runs = [r for r in state.runs if r.get("name") == wanted]
                return self.reply(200, {"runs": runs[:1]} if runs else {})
            errors = Specs.errors(specs.kfp1["apiRun"], body)
            if errors:
                return self.invalid(entry, errors, kfp=True)
            run = dict(body, id=str(uuid.uuid4()), status="Pending")
            with state.lock:
                state.runs.append(run)
            return self.reply(200, {"run": run, "pipeline_runtime": {}})
        return self.error(404, 5, "not found", kfp=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--token")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.specs = Specs(args.upstream)
    server.state = State()
    server.token = args.token
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
