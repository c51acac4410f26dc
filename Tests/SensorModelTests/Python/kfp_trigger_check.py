"""Runs the kfp-trigger step's script (deploy/argo/kfp-trigger.yaml) against a fake Kubeflow Pipelines API.

Usage: kfp_trigger_check.py KFP_TRIGGER_YAML KFP_RUN_SWAGGER


Three attempts with the same event id: the first finds no experiment and no run, so it creates both and waits
for the run (the token file rotates while it polls); the second finds the run the first created and creates
nothing; the third, for a run that fails, must fail the step. Every run body the script posts is validated against `v2beta1Run` of
the upstream swagger, strictly (KFP >= 2.14 rejects unknown fields). Prints a JSON report of what the fake
server saw.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import yaml


class FakeKFP:
    def __init__(self, token_path):
        self.token_path = token_path
        self.requests = []
        self.experiments = {}
        self.runs = {}
        self.polls = {}
        self.final_state = "SUCCEEDED"
        self.lock = threading.Lock()

    def handle(self, method, path, query, headers, body):
        self.requests.append(
            {"method": method, "path": path, "query": query, "authorization": headers.get("Authorization"), "body": body}
        )
        prefix = "/apis/v2beta1"
        if not path.startswith(prefix):
            return 404, {"code": 5, "message": "not found"}
        path = path[len(prefix):]
        predicates = json.loads(query.get("filter", '{"predicates": []}'))["predicates"]
        wanted = {predicate["key"]: predicate["string_value"] for predicate in predicates}
        if method == "GET" and path == "/pipelines":
            if wanted.get("display_name") == "train-with-cache":
                return 200, {"pipelines": [{"pipeline_id": "p-1", "display_name": "train-with-cache"}], "total_size": 1}
            return 200, {}
        if method == "GET" and path == "/pipelines/p-1/versions":
            if wanted.get("display_name") in (None, "v4"):
                return 200, {"pipeline_versions": [{"pipeline_version_id": "pv-4", "display_name": "v4"}]}
            return 200, {}
        if method == "GET" and path == "/experiments":
            name = wanted.get("display_name")
            if name in self.experiments:
                return 200, {"experiments": [{"experiment_id": self.experiments[name], "display_name": name}]}
            return 200, {}
        if method == "POST" and path == "/experiments":
            experiment_id = "e-%d" % (len(self.experiments) + 1)
            self.experiments[body["display_name"]] = experiment_id
            return 200, {"experiment_id": experiment_id, "display_name": body["display_name"]}
        if method == "GET" and path == "/runs":
            name = wanted.get("display_name")
            runs = [run for run in self.runs.values() if run["display_name"] == name
                    and run.get("experiment_id") == query.get("experiment_id", run.get("experiment_id"))]
            return 200, {"runs": runs} if runs else {}
        if method == "POST" and path == "/runs":
            run_id = "r-%d" % (len(self.runs) + 1)
            run = dict(body, run_id=run_id, state="PENDING")
            self.runs[run_id] = run
            self.polls[run_id] = 0
            return 200, run
        if method == "GET" and path.startswith("/runs/"):
            run = self.runs.get(path[len("/runs/"):])
            if run is None:
                return 404, {"code": 5, "message": "run not found"}
            self.polls[run["run_id"]] += 1
            if self.polls[run["run_id"]] == 1:
                run["state"] = "RUNNING"
                with open(self.token_path, "w") as handle:
                    handle.write("token-2\n")
            else:
                run["state"] = self.final_state
            return 200, run
        return 404, {"code": 5, "message": "no route %s %s" % (method, path)}


def serve(fake):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, method):
            parsed = urllib.parse.urlparse(self.path)
            query = {key: values[0] for key, values in urllib.parse.parse_qs(parsed.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            with fake.lock:
                status, answer = fake.handle(method, parsed.path, query, self.headers, body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self.reply("GET")

        def do_POST(self):
            self.reply("POST")

        def log_message(self, *arguments):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_body_errors(swagger_path, requests):
    with open(swagger_path) as handle:
        definitions = json.load(handle)["definitions"]
    for definition in definitions.values():
        if definition.get("type") == "object" and "properties" in definition:
            definition.setdefault("additionalProperties", False)
    validator = jsonschema.Draft4Validator({"definitions": definitions, "$ref": "#/definitions/v2beta1Run"})
    errors = []
    for request in requests:
        if request["method"] == "POST" and request["path"] == "/apis/v2beta1/runs":
            errors += [error.message for error in validator.iter_errors(request["body"])]
    return errors


def main():
    with open(sys.argv[1]) as handle:
        template = yaml.safe_load(handle)
    step = next(entry for entry in template["spec"]["templates"] if entry["name"] == "create-run")
    source = step["script"]["source"]
    declared_env = sorted(variable["name"] for variable in step["script"]["env"])
    workdir = tempfile.mkdtemp(prefix="kfp-trigger-")
    script = os.path.join(workdir, "create_run.py")
    with open(script, "w") as handle:
        handle.write(source)
    token_path = os.path.join(workdir, "token")
    with open(token_path, "w") as handle:
        handle.write("token-1\n")
    fake = FakeKFP(token_path)
    server = serve(fake)

    def attempt(display_name, output_name):
        output_dir = os.path.join(workdir, output_name)
        environment = dict(
            os.environ,
            KFP_HOST="http://127.0.0.1:%d" % server.server_address[1],
            KFP_TOKEN_PATH=token_path,
            KFP_NAMESPACE="",
            RUN_DISPLAY_NAME=display_name,
            PIPELINE="train-with-cache",
            PIPELINE_VERSION="v4",
            EXPERIMENT="training",
            RUN_PARAMETERS='{"model_name": "fraud-gbm", "epochs": 30}',
            EXTRA_PARAMETERS='{"dataset_uri": "s3://datasets/fraud/prepared"}',
            WAIT="true",
            TIMEOUT_SECONDS="30",
            OUTPUT_DIR=output_dir,
            POLL_SECONDS="0.01",
        )
        start = len(fake.requests)
        process = subprocess.run(
            [sys.executable, script], env=environment, capture_output=True, text=True, timeout=60
        )

        def read(name):
            try:
                with open(os.path.join(output_dir, name)) as handle:
                    return handle.read()
            except OSError:
                return None

        return {
            "exit": process.returncode,
            "stdout": process.stdout,
            "stderr": process.stderr,
            "run_id": read("run_id"),
            "state": read("state"),
            "requests": fake.requests[start:],
        }

    first = attempt("4b7e2a90-hybrid-training-0001", "first")
    second = attempt("4b7e2a90-hybrid-training-0001", "second")
    fake.final_state = "FAILED"
    failed = attempt("another-event", "failed")
    server.shutdown()
    report = {"env": declared_env, "first": first, "second": second, "failed": failed}
    report["run_body_errors"] = run_body_errors(sys.argv[2], fake.requests)
    print(json.dumps(report))


main()
