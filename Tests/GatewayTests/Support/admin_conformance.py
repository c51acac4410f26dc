#!/usr/bin/env python3
"""Checks a running gateway's admin server against specs/admin-openapi.yaml (AdminAPIConformanceTests runs it).

Usage: admin_conformance.py SPEC BASE_URL [--expect PATH=STATUS]...

First the document itself: OpenAPI 3.0.x, every operation a `get` or a `post` (whose request body has one media
type and an example) whose responses each have one media type and a schema, `$ref`s that resolve, and schemas that
use only keywords OpenAPI 3.0 and JSON Schema draft 4 mean alike (so draft 4 validation below is exact). Then, for
every operation of the document, `GET BASE_URL+PATH` (or POST with the request body's example):
- the status must be one the path documents (and the one `--expect` names, when given);
- the Content-Type's media type must be the response's content key;
- a JSON body must validate against the response's schema (every error with its JSON path);
- a text/plain body with `x-metric-families` must be the Prometheus text format, and each `sensor_gateway_` family
  in it must be listed there with its type and exactly its labels.
Last, `GET BASE_URL/no-such-path`, HEAD on every documented path, and GET or POST on a path that does not document
it, must answer 404.

Prints one line per finding, `ok …` or `error: …`, and exits 1 if any is an error (2 when PyYAML or jsonschema is
missing, with the command that installs them).
"""
import json
import re
import sys
import urllib.error
import urllib.request

try:
    import jsonschema
    import yaml
except ImportError:
    print("error: PyYAML and jsonschema are needed: python3 -m pip install PyYAML==6.0.3 jsonschema==4.26.0 (or `make deps`)")
    sys.exit(2)

# Schema keywords whose meaning is the same in an OpenAPI 3.0 Schema Object and in JSON Schema draft 4.
COMMON_KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "description", "title", "format",
    "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "$ref", "example", "default",
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SERVED = ("get", "post")


class Report:
    def __init__(self):
        self.errors = 0

    def ok(self, text):
        print(f"ok {text}")

    def error(self, text):
        self.errors += 1
        print(f"error: {text}")


def resolve(spec, node, report, where, seen=()):
    """`node` with every `#/components/schemas/…` reference replaced by its schema."""
    if isinstance(node, dict):
        if "$ref" in node:
            reference = node["$ref"]
            match = re.fullmatch(r"#/components/schemas/([A-Za-z0-9._-]+)", reference)
            target = spec.get("components", {}).get("schemas", {}).get(match.group(1)) if match else None
            if target is None:
                report.error(f"{where}: $ref {reference} does not resolve")
                return {}
            if reference in seen:
                report.error(f"{where}: $ref {reference} is recursive")
                return {}
            return resolve(spec, target, report, where, seen + (reference,))
        return {key: resolve(spec, value, report, where, seen) if key != "example" else value for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(spec, value, report, where, seen) for value in node]
    return node


def check_keywords(schema, report, where):
    """Only keywords of COMMON_KEYWORDS, recursively (property names are not keywords)."""
    if not isinstance(schema, dict):
        report.error(f"{where}: a schema must be a mapping")
        return
    for key, value in schema.items():
        if key.startswith("x-"):
            continue
        if key not in COMMON_KEYWORDS:
            report.error(f"{where}: schema keyword {key!r} is not one OpenAPI 3.0 and JSON Schema draft 4 share")
        elif key == "properties":
            for name, child in value.items():
                check_keywords(child, report, f"{where}.properties.{name}")
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            check_keywords(value, report, f"{where}.{key}")


def operations(spec, report):
    """{(METHOD, path): (request, {status: (media type, resolved schema, response)})} of every operation, after
    checking the document; `request` is (media type, body bytes) of a POST, else None."""
    version = str(spec.get("openapi", ""))
    if not re.fullmatch(r"3\.0\.\d+", version):
        report.error(f"openapi: {version!r}, expected 3.0.x")
    for key in ("title", "version"):
        if not spec.get("info", {}).get(key):
            report.error(f"info.{key} is required")
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        check_keywords(schema, report, f"components.schemas.{name}")
    paths = spec.get("paths") or {}
    if not paths:
        report.error("paths: no path documented")
    result = {}
    for path, item in paths.items():
        if not path.startswith("/"):
            report.error(f"paths.{path}: a path starts with /")
        others = sorted(set(item) & METHODS - set(SERVED))
        if others:
            report.error(f"paths.{path}: {', '.join(others)} documented, but the admin server serves only GET and POST")
        if not set(item) & set(SERVED):
            report.error(f"paths.{path}: no get or post documented")
        for method in SERVED:
            if method in item:
                result[(method.upper(), path)] = operation(spec, report, path, method, item[method] or {})
    return result


def operation(spec, report, path, method, item):
    """(request, responses) of one operation; see `operations`."""
    request = None
    if method == "post":
        content = (item.get("requestBody") or {}).get("content") or {}
        if len(content) != 1 or "example" not in next(iter(content.values())):
            report.error(f"paths.{path}.post.requestBody: expected one media type with an example")
        else:
            media_type, media = next(iter(content.items()))
            example = media["example"]
            body = json.dumps(example) if media_type.endswith("json") else str(example)
            request = (media_type, body.encode("utf-8"))
    responses = item.get("responses") or {}
    if not responses:
        report.error(f"paths.{path}.{method}.responses: none documented")
    result = {}
    for status, response in responses.items():
        where = f"paths.{path}.{method}.responses.{status}"
        if not re.fullmatch(r"[1-5][0-9][0-9]", str(status)):
            report.error(f"{where}: not an HTTP status code (the server's answers are all specific)")
            continue
        if not response.get("description"):
            report.error(f"{where}.description is required")
        content = response.get("content") or {}
        if len(content) != 1:
            report.error(f"{where}.content: expected one media type, found {len(content)}")
            continue
        media_type, media = next(iter(content.items()))
        if "schema" not in media:
            report.error(f"{where}.content.{media_type}.schema is missing")
            continue
        check_keywords(media["schema"], report, f"{where}.content.{media_type}.schema")
        schema = resolve(spec, media["schema"], report, where)
        try:
            jsonschema.Draft4Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            report.error(f"{where}: not a valid schema: {error.message}")
            continue
        result[int(status)] = (media_type, schema, response)
    return request, result


def get(base, path, method="GET", body=None):
    """(status, Content-Type, body text) of GET (or `method`) base+path, proxies off (the server is on loopback);
    `body` is (media type, bytes) of a POST. Status None and the reason as the body when nothing answers."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    data = body[1] if body else (b"" if method == "POST" else None)
    request = urllib.request.Request(base + path, method=method, data=data)
    if body:
        request.add_header("Content-Type", body[0])
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read().decode("utf-8")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Content-Type", ""), answer.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as error:
        return None, "", str(getattr(error, "reason", error))


def json_path(error):
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def check_metrics(text, families, report, where):
    documented = {family["name"]: family for family in families}
    types = {}
    seen = {}
    undocumented = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            # `# TYPE name type` declares a family; `# HELP …` and other comments carry no samples.
            words = line.split(None, 3)
            if len(words) >= 4 and words[1] == "TYPE":
                types[words[2]] = words[3].strip()
            continue
        match = SAMPLE.match(line)
        if not match:
            report.error(f"{where} line {number}: not a sample line: {line!r}")
            continue
        name, labels_text, value = match.group(1), match.group(3) or "", match.group(4)
        try:
            float(value)
        except ValueError:
            report.error(f"{where} line {number}: {name}: value {value!r} is not a number")
        labels = []
        rest = labels_text
        while rest.strip():
            label = LABEL.match(rest)
            if not label:
                report.error(f"{where} line {number}: {name}: malformed labels {{{labels_text}}}")
                break
            labels.append(label.group(1))
            rest = rest[label.end():]
        family, suffix = name, ""
        for candidate in ("_bucket", "_sum", "_count"):
            base = name[: -len(candidate)]
            if name.endswith(candidate) and types.get(base) == "histogram":
                family, suffix = base, candidate
        if family not in types:
            report.error(f"{where} line {number}: {name} has no # TYPE line before it")
            continue
        if not family.startswith(("sensor_gateway_", "process_")) or family in undocumented:
            continue
        spec = documented.get(family)
        if spec is None:
            report.error(f"{where}: family {family} ({types[family]}) is not in x-metric-families")
            undocumented.add(family)
            continue
        if types[family] != spec["type"]:
            report.error(f"{where}: {family} is a {types[family]}, x-metric-families says {spec['type']}")
        expected = sorted(spec["labels"] + (["le"] if suffix == "_bucket" else []))
        if sorted(labels) != expected:
            report.error(f"{where}: {name} has labels {sorted(labels)}, x-metric-families says {expected}")
        seen.setdefault(family, 0)
        seen[family] += 1
    for family in sorted(seen):
        report.ok(f"{where}: family {family} ({documented[family]['type']}, labels {documented[family]['labels']}): {seen[family]} samples")


def main(arguments):
    if len(arguments) < 2:
        print(__doc__)
        sys.exit(2)
    spec_path, base = arguments[0], arguments[1].rstrip("/")
    expected = {}
    rest = arguments[2:]
    while rest:
        if rest[0] != "--expect" or len(rest) < 2 or "=" not in rest[1]:
            print(__doc__)
            sys.exit(2)
        path, _, status = rest[1].partition("=")
        expected[path] = int(status)
        rest = rest[2:]
    report = Report()
    with open(spec_path, encoding="utf-8") as file:
        spec = yaml.safe_load(file)
    documented = operations(spec, report)
    if not report.errors:
        paths = len({path for _, path in documented})
        report.ok(f"{spec_path}: OpenAPI {spec['openapi']}, {paths} paths, schemas in the shared subset")
    for path in sorted(set(expected) - {path for _, path in documented}):
        report.error(f"--expect {path}: the document has no such path")
    for (method, path), (request, responses) in documented.items():
        status, content_type, body = get(base, path, method, request)
        where = f"{method} {path}"
        if status is None:
            report.error(f"{where}: nothing answers at {base}: {body}")
            continue
        if path in expected and status != expected[path]:
            report.error(f"{where}: status {status}, expected {expected[path]}: {body.strip()[:300]}")
        if status not in responses:
            report.error(f"{where}: status {status} is not documented (documented: {', '.join(map(str, sorted(responses)))})")
            continue
        media_type, schema, response = responses[status]
        received = content_type.split(";")[0].strip().lower()
        if received != media_type:
            report.error(f"{where} {status}: Content-Type {content_type!r}, documented {media_type}")
            continue
        if media_type == "application/json":
            try:
                document = json.loads(body)
            except ValueError as error:
                report.error(f"{where} {status}: body is not JSON ({error}): {body[:200]!r}")
                continue
            errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
            for error in errors:
                report.error(f"{where} {status}: {json_path(error)}: {error.message}")
            if not errors:
                report.ok(f"{where}: {status} {media_type}, body matches the documented schema")
        else:
            errors = list(jsonschema.Draft4Validator(schema).iter_errors(body))
            for error in errors:
                report.error(f"{where} {status}: {error.message}")
            families = response.get("x-metric-families")
            if families is not None:
                before = report.errors
                check_metrics(body, families, report, where)
                if report.errors == before:
                    report.ok(f"{where}: {status} {media_type}, Prometheus text format, every family documented")
            elif not errors:
                report.ok(f"{where}: {status} {media_type}")
    status, _, _ = get(base, "/no-such-path")
    if status == 404:
        report.ok("GET /no-such-path: 404, as for every undocumented path")
    else:
        report.error(f"GET /no-such-path: status {status}, expected 404")
    every = sorted({path for _, path in documented})
    for method in ("HEAD", "POST", "GET"):
        undocumented = [path for path in every if (method, path) not in documented]
        statuses = {path: get(base, path, method)[0] for path in undocumented}
        others = {path: status for path, status in statuses.items() if status != 404}
        if others:
            report.error(f"{method}: expected 404 where it is not documented, got {others}")
        elif undocumented:
            report.ok(f"{method} on every documented path without a {method} operation: 404")
    sys.exit(1 if report.errors else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
