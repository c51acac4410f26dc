#!/usr/bin/env python3
"""A loopback stand-in for the Kubernetes API server: objects in memory, answered as kube-apiserver answers.

Serves create (201; generateName; 409 AlreadyExists), get, update (PUT; 409 Conflict on a stale
metadata.resourceVersion), patch (application/merge-patch+json, application/json-patch+json and
application/strategic-merge-patch+json, the last answered 415 for custom resources), delete, list (with
labelSelector and the collection's resourceVersion) and watch (?watch=true: newline-delimited JSON events on a
chunked response, as they happen; BOOKMARK events with allowWatchBookmarks=true; a resourceVersion older than the
kept history answers an ERROR event with code 410), the status subresource of the kinds that have one, and
discovery (/api, /api/v1, /apis, /apis/{group}/{version}).

Every body it stores is validated: built-in kinds with kubernetes_validate (1.32, strict), argoproj.io Workflows
against the Workflow definition of --upstream/argo-workflows/jsonschema-schema.json (unknown fields rejected); other argoproj.io kinds and
kinds registered by a test are stored without a schema. An invalid body gets 422 with a Status body (reason
Invalid, details.causes). With --token, a request without `Authorization: Bearer <token>` gets 401 (a client
certificate signed by --client-ca is accepted instead). --cert/--key serve HTTPS.

Control (for tests, never authenticated):
  POST /_control {"objects": [obj, ...]}        stores objects (validated; 422 when one is invalid), answers them
                 {"faults": [{"prefix", "method", "status", "count", "message", "retryAfter"}]}
                 {"clearFaults": true}            drops the faults not used up yet
                 {"delay": {"prefix", "seconds"}}
                 {"kinds": [{"group", "version", "kind", "plural", "namespaced", "status"}]}   extra custom kinds
                 {"token": "..."}                 the token accepted from now on
                 {"compact": true}                forgets the history: older resourceVersions answer 410
                 {"endWatches": true}             ends every watch being served, as a restarting server does
                 {"bookmarkInterval": seconds}    how often watches with bookmarks get one (default 1)
  GET  /_objects[?plural=&group=&namespace=]    the stored objects
  GET  /_log                                    every API request: method, path, query, body, headers
                                                (content-type among them), authorized, invalid, status
  GET  /_watches                                {"active": n}: watches being served
  POST /_reset                                  forgets objects, faults, the log and registered kinds

Prints "PORT <n>" once listening, or "ERROR <reason>" and exits 2.
"""
import argparse
import copy
import datetime
import json
import random
import re
import select
import ssl
import string
import sys
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from json_handler import JSONHandler, claim_fault
from urllib.parse import parse_qs, urlsplit


def fail(reason):
    print("ERROR " + reason, flush=True)
    sys.exit(2)


try:
    import jsonschema
    import kubernetes_validate
except ImportError as missing:
    fail(f"python3 package missing: {missing.name} (make deps installs it: pip install jsonschema kubernetes-validate)")

KUBERNETES_VERSION = "1.32"
HISTORY_LIMIT = 1000

# Built-in kinds, validated with kubernetes_validate: (group, version, kind, plural, namespaced, has status subresource)
BUILT_IN = [
    ("", "v1", "Pod", "pods", True, True),
    ("", "v1", "ConfigMap", "configmaps", True, False),
    ("", "v1", "Secret", "secrets", True, False),
    ("", "v1", "Service", "services", True, True),
    ("", "v1", "ServiceAccount", "serviceaccounts", True, False),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, True),
    ("", "v1", "Event", "events", True, False),
    ("", "v1", "Namespace", "namespaces", False, True),
    ("apps", "v1", "Deployment", "deployments", True, True),
    ("apps", "v1", "StatefulSet", "statefulsets", True, True),
    ("apps", "v1", "DaemonSet", "daemonsets", True, True),
    ("apps", "v1", "ReplicaSet", "replicasets", True, True),
    ("batch", "v1", "Job", "jobs", True, True),
    ("batch", "v1", "CronJob", "cronjobs", True, True),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, True),
    ("coordination.k8s.io", "v1", "Lease", "leases", True, False),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False, False),
]
# Custom resources: (group, version, kind, plural, namespaced, has status subresource)
ARGO = [
    ("argoproj.io", "v1alpha1", "Workflow", "workflows", True, True),
    ("argoproj.io", "v1alpha1", "WorkflowTemplate", "workflowtemplates", True, False),
    ("argoproj.io", "v1alpha1", "ClusterWorkflowTemplate", "clusterworkflowtemplates", False, False),
    ("argoproj.io", "v1alpha1", "CronWorkflow", "cronworkflows", True, False),
    ("argoproj.io", "v1alpha1", "Sensor", "sensors", True, True),
    ("argoproj.io", "v1alpha1", "EventSource", "eventsources", True, True),
    ("argoproj.io", "v1alpha1", "EventBus", "eventbus", True, True),
]
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class Kind:
    def __init__(self, group, version, kind, plural, namespaced, status, builtin):
        self.group, self.version, self.kind, self.plural = group, version, kind, plural
        self.namespaced, self.status, self.builtin = namespaced, status, builtin

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    def discovery(self):
        resources = [{"name": self.plural, "singularName": self.kind.lower(), "namespaced": self.namespaced,
                      "kind": self.kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}]
        if self.status:
            resources.append({"name": self.plural + "/status", "singularName": "", "namespaced": self.namespaced,
                              "kind": self.kind, "verbs": ["get", "patch", "update"]})
        return resources


class Invalid(Exception):
    """A body the API server would reject: 422 Invalid with causes."""

    def __init__(self, causes):
        super().__init__("; ".join(f"{field}: {message}" for field, message in causes))
        self.causes = causes


class Workflows:
    def __init__(self, upstream):
        try:
            schema = json.load(open(f"{upstream}/argo-workflows/jsonschema-schema.json"))
        except OSError as error:
            fail(f"upstream specs missing under {upstream}: {error}")
        schema = dict(schema)
        schema.pop("oneOf", None)
        # Unknown fields rejected, as strict field validation does: additionalProperties false on every definition
        # that lists its properties.
        schema["definitions"] = copy.deepcopy(schema["definitions"])
        for definition in schema["definitions"].values():
            if isinstance(definition, dict) and "properties" in definition:
                definition.setdefault("additionalProperties", False)
        schema["$ref"] = "#/definitions/io.argoproj.workflow.v1alpha1.Workflow"
        self.validator = jsonschema.Draft202012Validator(schema)

    def errors(self, body):
        return [("/".join(str(p) for p in e.absolute_path) or "<root>", e.message)
                for e in self.validator.iter_errors(body)]


class State:
    def __init__(self, token):
        self.lock = threading.Condition()
        self.token = token
        self.reset()

    def reset(self):
        self.kinds = [Kind(*k, builtin=True) for k in BUILT_IN] + [Kind(*k, builtin=False) for k in ARGO]
        self.objects = {}  # (group, plural, namespace, name) -> object
        self.version = 1
        self.history = []  # (resourceVersion, type, key, object)
        self.oldest = 1  # watches from below this answer 410
        self.faults = []
        self.delay = None
        self.log = []
        self.watches = 0
        self.watch_epoch = 0  # bumped by endWatches: watches started before it end
        self.bookmark_interval = 1.0

    def kind_by_path(self, group, version, plural):
        return next((k for k in self.kinds if (k.group, k.version, k.plural) == (group, version, plural)), None)

    def kind_by_name(self, api_version, kind):
        return next((k for k in self.kinds if (k.api_version, k.kind) == (api_version, kind)), None)

    def record(self, event_type, key, obj):
        """Called with the lock held: a change, for watches."""
        self.history.append((int(obj["metadata"]["resourceVersion"]), event_type, key, copy.deepcopy(obj)))
        if len(self.history) > HISTORY_LIMIT:
            dropped = self.history.pop(0)
            self.oldest = dropped[0] + 1
        self.lock.notify_all()

    def next_version(self):
        self.version += 1
        return str(self.version)


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target, patch):
    """Strategic merge as kube-apiserver applies it to built-in kinds, for the common case: maps merge, lists of maps
    with a `name` (containers, env, ports, volumes) merge by name, other lists are replaced; `$patch: delete` in a
    list element removes the element of that name."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        old = result.get(key)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(old, list) and value and \
                all(isinstance(v, dict) and "name" in v for v in value + old):
            merged = [copy.deepcopy(v) for v in old]
            for element in value:
                index = next((i for i, v in enumerate(merged) if v["name"] == element["name"]), None)
                if element.get("$patch") == "delete":
                    if index is not None:
                        merged.pop(index)
                elif index is None:
                    merged.append(copy.deepcopy(element))
                else:
                    merged[index] = strategic_merge_patch(merged[index], element)
            result[key] = merged
        else:
            result[key] = strategic_merge_patch(old, value)
    return result


def pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise Invalid([(path, "a JSON pointer starts with /")])
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json_patch(target, operations):
    """RFC 6902."""
    if not isinstance(operations, list):
        raise Invalid([("<root>", "a JSON patch is a list of operations")])
    document = copy.deepcopy(target)

    def parent(path):
        parts = pointer(path)
        if not parts:
            raise Invalid([(path, "cannot change the root")])
        node = document
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node, parts[-1]

    def get(path):
        node = document
        for part in pointer(path):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def add(path, value):
        node, last = parent(path)
        if isinstance(node, list):
            node.insert(len(node) if last == "-" else int(last), value)
        else:
            node[last] = value

    def remove(path):
        node, last = parent(path)
        return node.pop(int(last) if isinstance(node, list) else last)

    for operation in operations:
        op, path = operation.get("op"), operation.get("path", "")
        try:
            if op == "add":
                add(path, copy.deepcopy(operation["value"]))
            elif op == "remove":
                remove(path)
            elif op == "replace":
                remove(path)
                add(path, copy.deepcopy(operation["value"]))
            elif op == "move":
                add(path, remove(operation["from"]))
            elif op == "copy":
                add(path, copy.deepcopy(get(operation["from"])))
            elif op == "test":
                if get(path) != operation.get("value"):
                    raise Invalid([(path, "test operation failed")])
            else:
                raise Invalid([(path, f"unknown operation {op!r}")])
        except (KeyError, IndexError, ValueError, TypeError):
            raise Invalid([(path, f"{op}: the path does not exist")])
    return document


def selector_matches(selector, labels):
    for term in filter(None, (t.strip() for t in (selector or "").split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.split("==", 1) if "==" in term else term.split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def status_body(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
           409: "Conflict", 410: "Expired", 415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests",
           500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


class Handler(JSONHandler):
    server_version = "kubernetes-api-stand-in"

    def status(self, code, message, reason=None, details=None, headers=()):
        self.reply(code, status_body(code, reason or REASONS.get(code, "Unknown"), message, details), headers)

    def authorized(self, state):
        if state.token is None:
            return True
        if self.headers.get("Authorization") == "Bearer " + state.token:
            return True
        return isinstance(self.connection, ssl.SSLSocket) and self.connection.getpeercert() not in (None, {})

    def handle_any(self, method):
        self.entry = None
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        state = self.server.state
        if path.startswith("/_"):
            return self.control(method, path, query, raw, state)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self.status(400, "the body is not JSON")
        with state.lock:
            authorized = self.authorized(state)
            entry = {"method": method, "path": path, "query": parts.query, "body": body, "authorized": authorized,
                     "invalid": [], "headers": self.logged_headers()}
            self.entry = entry
            state.log.append(entry)
            delay = state.delay
            fault = claim_fault(state.faults, path, method)
        if delay and path.startswith(delay["prefix"]):
            time.sleep(delay["seconds"])
        if not authorized:
            return self.status(401, "Unauthorized")
        if fault:
            headers = [("Retry-After", str(fault["retryAfter"]))] if "retryAfter" in fault else []
            return self.status(fault["status"], fault.get("message", "injected fault"), headers=headers)
        segments = [s for s in path.split("/") if s]
        if segments in (["api"], ["apis"]) or (len(segments) in (2, 3) and segments[0] in ("api", "apis")
                                                and method == "GET" and "watch" not in query):
            if self.discovery(segments, state):
                return
        return self.resource(method, segments, query, body, state)

    # Discovery

    def discovery(self, segments, state):
        with state.lock:
            kinds = list(state.kinds)
        if segments == ["api"]:
            self.reply(200, {"kind": "APIVersions", "versions": ["v1"]})
            return True
        if segments == ["apis"]:
            groups = {}
            for k in kinds:
                if k.group:
                    groups.setdefault(k.group, []).append(k.version)
            self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in sorted(set(vs))],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                for g, vs in groups.items()]})
            return True
        if segments[0] == "api" and len(segments) == 2:
            group, version = "", segments[1]
        elif segments[0] == "apis" and len(segments) == 3:
            group, version = segments[1], segments[2]
        else:
            return False
        resources = [r for k in kinds if (k.group, k.version) == (group, version) for r in k.discovery()]
        if not resources:
            self.status(404, "the server could not find the requested resource")
            return True
        self.reply(200, {"kind": "APIResourceList", "apiVersion": "v1",
                         "groupVersion": f"{group}/{version}" if group else version, "resources": resources})
        return True

    # Objects

    def resource(self, method, segments, query, body, state):
        """/api/v1/... or /apis/{group}/{version}/...: [namespaces/{ns}/]{plural}[/{name}[/status]]."""
        if segments[:1] == ["api"] and len(segments) >= 3:
            group, version, rest = "", segments[1], segments[2:]
        elif segments[:1] == ["apis"] and len(segments) >= 4:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            return self.status(404, "the server could not find the requested resource")
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        with state.lock:
            kind = state.kind_by_path(group, version, rest[0])
        if kind is None or (namespace is not None and not kind.namespaced) or len(rest) > 3:
            return self.status(404, "the server could not find the requested resource")
        name = rest[1] if len(rest) >= 2 else None
        subresource = rest[2] if len(rest) == 3 else None
        if subresource is not None and (subresource != "status" or not kind.status):
            return self.status(404, "the server could not find the requested resource")
        if name is None:
            if method == "GET" and query.get("watch", ["false"])[0] in ("true", "1"):
                return self.watch(kind, namespace, query, state)
            if method == "GET":
                return self.list(kind, namespace, query, state)
            if method == "POST":
                if kind.namespaced and namespace is None:
                    return self.status(404, "the server could not find the requested resource")
                return self.create(kind, namespace, body, state)
            return self.status(405, f"{method} is not allowed on a collection")
        if kind.namespaced and namespace is None:
            return self.status(404, "the server could not find the requested resource")
        key = (kind.group, kind.plural, namespace or "", name)
        if method == "GET":
            with state.lock:
                obj = state.objects.get(key)
            return self.reply(200, obj) if obj else self.not_found(kind, name)
        if method == "PUT":
            return self.update(kind, key, body, subresource, state)
        if method == "PATCH":
            return self.patch(kind, key, body, subresource, state)
        if method == "DELETE":
            return self.delete(kind, key, state)
        return self.status(405, f"{method} is not allowed")

    def not_found(self, kind, name):
        resource = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
        return self.status(404, f'{resource} "{name}" not found',
                           details={"name": name, "group": kind.group, "kind": kind.plural})

    def invalid(self, kind, name, error):
        self.entry["invalid"] = [f"{field}: {message}" for field, message in error.causes]
        return self.status(
            422, f'{kind.kind} "{name}" is invalid: {error}',
            details={"name": name, "group": kind.group, "kind": kind.kind,
                     "causes": [{"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in error.causes]})

    def validate(self, kind, obj, namespace):
        """Raises Invalid unless `obj` may be stored as `kind` in `namespace`."""
        if not isinstance(obj, dict):
            raise Invalid([("<root>", "the body must be a JSON object")])
        metadata = obj.get("metadata")
        if not isinstance(metadata, dict):
            raise Invalid([("metadata", "Required value")])
        if obj.get("apiVersion") != kind.api_version or obj.get("kind") != kind.kind:
            raise Invalid([("kind", f"expected apiVersion {kind.api_version} and kind {kind.kind}, found "
                                    f"{obj.get('apiVersion')} {obj.get('kind')}")])
        name = metadata.get("name")
        if not isinstance(name, str) or not name or len(name) > 253 or not NAME.match(name):
            raise Invalid([("metadata.name", f"Invalid value: {name!r}: a lowercase RFC 1123 subdomain must consist "
                                             "of lower case alphanumeric characters, '-' or '.'")])
        if metadata.get("namespace", namespace) != namespace:
            raise Invalid([("metadata.namespace", "does not match the namespace of the request")])
        if kind.builtin:
            try:
                kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as error:
                raise Invalid([("/".join(str(p) for p in error.path) or "<root>", error.message)])
        elif (kind.group, kind.kind) == ("argoproj.io", "Workflow"):
            errors = self.server.workflows.errors(obj)
            if errors:
                raise Invalid(errors)

    def create(self, kind, namespace, body, state, record=True):
        name = (body or {}).get("metadata", {}).get("name") if isinstance(body, dict) else None
        try:
            if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
                raise Invalid([("metadata", "Required value")])
            obj = copy.deepcopy(body)
            metadata = obj["metadata"]
            if not metadata.get("name"):
                prefix = metadata.get("generateName")
                if not prefix:
                    raise Invalid([("metadata.name", "Required value: name or generateName is required")])
                metadata["name"] = prefix + "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
            name = metadata["name"]
            if kind.namespaced:
                metadata.setdefault("namespace", namespace)
            for server_field in ("resourceVersion", "uid", "creationTimestamp", "generation"):
                metadata.pop(server_field, None)
            if kind.status:
                obj.pop("status", None)
            self.validate(kind, obj, namespace if kind.namespaced else None)
        except Invalid as error:
            return self.invalid(kind, name or "", error)
        key = (kind.group, kind.plural, namespace or "", name)
        with state.lock:
            if key in state.objects:
                resource = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
                return self.status(409, f'{resource} "{name}" already exists', reason="AlreadyExists",
                                   details={"name": name, "group": kind.group, "kind": kind.plural})
            metadata.update(uid=str(uuid.uuid4()), resourceVersion=state.next_version(), creationTimestamp=now(),
                            generation=1)
            state.objects[key] = obj
            state.record("ADDED", key, obj)
        return self.reply(201, obj)

    def store_changed(self, kind, key, current, changed, subresource, state, precondition):
        """Validates and stores `changed` in place of `current`: the status subresource changes only status, the
        main endpoint of a kind with a status subresource never does; a stale precondition answers 409."""
        if precondition is not None and precondition != current["metadata"]["resourceVersion"]:
            resource = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
            return self.status(409, f'Operation cannot be fulfilled on {resource} "{key[3]}": the object has been '
                                    "modified; please apply your changes to the latest version and try again",
                               reason="Conflict", details={"name": key[3], "group": kind.group, "kind": kind.plural})
        if subresource == "status":
            stored = copy.deepcopy(current)
            if "status" in changed:
                stored["status"] = changed["status"]
            else:
                stored.pop("status", None)
        else:
            stored = copy.deepcopy(changed)
            if kind.status:
                stored.pop("status", None)
                if "status" in current:
                    stored["status"] = current["status"]
            metadata = stored.setdefault("metadata", {})
            for field in ("uid", "creationTimestamp", "generation"):
                if field in current["metadata"]:
                    metadata[field] = current["metadata"][field]
            if stored.get("spec") != current.get("spec"):
                metadata["generation"] = current["metadata"].get("generation", 1) + 1
        stored.setdefault("metadata", {})["resourceVersion"] = current["metadata"]["resourceVersion"]
        try:
            self.validate(kind, stored, key[2] or None)
        except Invalid as error:
            return self.invalid(kind, key[3], error)
        with state.lock:
            if state.objects.get(key) is not current:
                return self.status(409, "the object changed during the request", reason="Conflict")
            stored["metadata"]["resourceVersion"] = state.next_version()
            state.objects[key] = stored
            state.record("MODIFIED", key, stored)
        return self.reply(200, stored)

    def update(self, kind, key, body, subresource, state):
        with state.lock:
            current = state.objects.get(key)
        if current is None:
            return self.not_found(kind, key[3])
        if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
            return self.invalid(kind, key[3], Invalid([("metadata", "Required value")]))
        if body["metadata"].get("name") != key[3]:
            return self.status(400, "the name of the object does not match the name on the URL")
        precondition = body["metadata"].get("resourceVersion")
        if precondition is None and not kind.builtin:
            return self.invalid(kind, key[3], Invalid([("metadata.resourceVersion",
                                                        "Invalid value: 0x0: must be specified for an update")]))
        return self.store_changed(kind, key, current, body, subresource, state, precondition)

    def patch(self, kind, key, body, subresource, state):
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type == "application/strategic-merge-patch+json" and not kind.builtin:
            return self.status(415, f"the body of the request was in an unknown format - accepted media types "
                                    "include: application/json-patch+json, application/merge-patch+json, "
                                    "application/apply-patch+yaml")
        if content_type not in ("application/merge-patch+json", "application/strategic-merge-patch+json",
                                "application/json-patch+json"):
            return self.status(415, f"the body of the request was in an unknown format: {content_type}")
        with state.lock:
            current = state.objects.get(key)
        if current is None:
            return self.not_found(kind, key[3])
        try:
            if content_type == "application/json-patch+json":
                changed = json_patch(current, body)
                precondition = None
            else:
                if not isinstance(body, dict):
                    raise Invalid([("<root>", "a merge patch is a JSON object")])
                merge = merge_patch if content_type == "application/merge-patch+json" else strategic_merge_patch
                changed = merge(current, body)
                precondition = (body.get("metadata") or {}).get("resourceVersion")
        except Invalid as error:
            return self.invalid(kind, key[3], error)
        return self.store_changed(kind, key, current, changed, subresource, state, precondition)

    def delete(self, kind, key, state):
        with state.lock:
            obj = state.objects.pop(key, None)
            if obj is not None:
                obj = copy.deepcopy(obj)
                obj["metadata"]["resourceVersion"] = state.next_version()
                state.record("DELETED", key, obj)
        return self.reply(200, obj) if obj else self.not_found(kind, key[3])

    def matching(self, kind, namespace, obj_key):
        group, plural, obj_namespace, _ = obj_key
        return (group, plural) == (kind.group, kind.plural) and namespace in (None, obj_namespace)

    def list(self, kind, namespace, query, state):
        selector = query.get("labelSelector", [None])[0]
        with state.lock:
            items = [copy.deepcopy(o) for k, o in sorted(state.objects.items())
                     if self.matching(kind, namespace, k) and
                     selector_matches(selector, o["metadata"].get("labels") or {})]
            version = str(state.version)
        return self.reply(200, {"kind": kind.kind + "List", "apiVersion": kind.api_version,
                                "metadata": {"resourceVersion": version}, "items": items})

    # Watch

    def watch(self, kind, namespace, query, state):
        selector = query.get("labelSelector", [None])[0]
        bookmarks = query.get("allowWatchBookmarks", ["false"])[0] == "true"
        start = query.get("resourceVersion", [""])[0]
        timeout = float(query.get("timeoutSeconds", ["3600"])[0])

        def wanted(key, obj):
            return self.matching(kind, namespace, key) and \
                selector_matches(selector, obj["metadata"].get("labels") or {})

        self.entry["status"] = 200
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with state.lock:
            state.watches += 1
            epoch = state.watch_epoch
            if start in ("", "0"):
                pending = [("ADDED", o) for k, o in sorted(state.objects.items()) if wanted(k, o)]
                seen = state.version
            elif not start.isdigit() or int(start) < state.oldest - 1:
                pending = [("ERROR", status_body(410, "Expired", f"too old resource version: {start} "
                                                                 f"({state.oldest - 1})"))]
                seen = None
            else:
                seen = int(start)
                pending = []
        try:
            if not self.send_events(pending) or seen is None:
                return self.end_chunks()
            deadline = time.monotonic() + timeout
            last_bookmark = time.monotonic()
            while time.monotonic() < deadline:
                with state.lock:
                    state.lock.wait_for(lambda: state.version > seen or state.watch_epoch != epoch, timeout=0.2)
                    if state.watch_epoch != epoch:
                        break
                    if seen < state.oldest - 1:
                        events = [("ERROR", status_body(410, "Expired", "too old resource version"))]
                        seen = None
                    else:
                        events = [(t, copy.deepcopy(o)) for v, t, k, o in state.history if v > seen and wanted(k, o)]
                        seen = state.version
                    interval = state.bookmark_interval
                if bookmarks and time.monotonic() - last_bookmark >= interval and seen is not None:
                    events.append(("BOOKMARK", {"kind": kind.kind, "apiVersion": kind.api_version,
                                                "metadata": {"resourceVersion": str(seen)}}))
                    last_bookmark = time.monotonic()
                if not self.send_events(events) or seen is None or self.client_gone():
                    break
            self.end_chunks()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            with state.lock:
                state.watches -= 1

    def send_events(self, events):
        for event_type, obj in events:
            line = json.dumps({"type": event_type, "object": obj}).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            if event_type == "ERROR":
                return False
        self.wfile.flush()
        return True

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def client_gone(self):
        """Whether the client closed the connection (it sends nothing during a watch: readable means closed)."""
        try:
            if isinstance(self.connection, ssl.SSLSocket) and self.connection.pending():
                return False
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, 0x2) == b""  # MSG_PEEK
        except (OSError, ValueError, ssl.SSLError):
            return True

    # Control

    def control(self, method, path, query, raw, state):
        if path == "/_log":
            with state.lock:
                return self.reply(200, state.log)
        if path == "/_watches":
            with state.lock:
                return self.reply(200, {"active": state.watches})
        if path == "/_reset":
            with state.lock:
                token = state.token
                state.reset()
                state.token = token
                state.lock.notify_all()
            return self.reply(200, {})
        if path == "/_objects":
            wanted = {k: v[0] for k, v in query.items()}
            with state.lock:
                found = [o for (group, plural, namespace, _), o in sorted(state.objects.items())
                         if wanted.get("plural", plural) == plural and wanted.get("group", group) == group
                         and wanted.get("namespace", namespace) == namespace]
            return self.reply(200, found)
        if path != "/_control":
            return self.status(404, "no such control endpoint")
        control = json.loads(raw or b"{}")
        with state.lock:
            if control.get("clearFaults"):
                state.faults = []
            state.faults.extend(control.get("faults", []))
            state.delay = control.get("delay", state.delay)
            if "token" in control:
                state.token = control["token"]
            if "bookmarkInterval" in control:
                state.bookmark_interval = float(control["bookmarkInterval"])
            for k in control.get("kinds", []):
                state.kinds.append(Kind(k["group"], k["version"], k["kind"], k["plural"], k.get("namespaced", True),
                                        k.get("status", False), builtin=False))
            if control.get("endWatches"):
                state.watch_epoch += 1
                state.lock.notify_all()
            if control.get("compact"):
                state.history = []
                state.oldest = state.version + 1
                state.lock.notify_all()
        stored = []
        for obj in control.get("objects", []):
            with state.lock:
                kind = state.kind_by_name(obj.get("apiVersion"), obj.get("kind"))
            if kind is None:
                return self.status(404, f"no kind {obj.get('kind')} in {obj.get('apiVersion')}")
            self.entry = {"invalid": []}
            namespace = obj.get("metadata", {}).get("namespace", "default") if kind.namespaced else None
            status = obj.get("status")
            answer = self.capture(lambda: self.create(kind, namespace, obj, state))
            if answer[0] != 201:
                return self.reply(answer[0], answer[1])
            if status is not None and kind.status:
                key = (kind.group, kind.plural, namespace or "", answer[1]["metadata"]["name"])
                with state.lock:
                    state.objects[key]["status"] = status
                    answer[1]["status"] = status
            stored.append(answer[1])
        self.entry = None
        return self.reply(200, {"objects": stored})

    def capture(self, call):
        """Runs a handler method, keeping its answer instead of sending it."""
        captured = []
        reply = self.reply
        self.reply = lambda status, body, headers=(): captured.append((status, body))
        try:
            call()
        finally:
            self.reply = reply
        return captured[0]


for _verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
    setattr(Handler, "do_" + _verb, lambda self, verb=_verb: self.handle_any(verb))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--token")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.workflows = Workflows(args.upstream)
    server.state = State(args.token)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_OPTIONAL
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
