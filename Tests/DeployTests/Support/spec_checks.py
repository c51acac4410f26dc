#!/usr/bin/env python3
"""Checks of specs/ that SpecsTests runs.

  events SCHEMA DIRECTORY ROUTING   the envelope schema is a valid JSON Schema (2020-12); every sample
                                    DIRECTORY/<name>.json validates against it; its <name>.msgpack is there, validates
                                    too and decodes to the same event (same values, same types, same key order); every
                                    route of ROUTING has a sample named after it, and every sample names a route

Prints one line per finding, `ok …` or `error: …`, and exits 1 if any is an error (2 when a Python package is
missing, with the command that installs it).
"""
import json
import os
import sys

from deploy_checks import Report  # the same `ok …` / `error: …` lines as the deploy checks (same directory)

try:
    import jsonschema
    import msgpack
    import yaml
except ImportError as error:
    print(f"error: {error.name} is missing: python3 -m pip install msgpack==1.2.4 jsonschema==4.26.0 PyYAML==6.0.3 (or `make deps`)")
    sys.exit(2)


def json_path(parts):
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


class DuplicateKey(ValueError):
    pass


def no_duplicates(pairs):
    """object_pairs_hook: the gateway refuses a key twice in one object, so the samples must not have one."""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def difference(left, right, path=()):
    """The first place where two decoded values differ in value, type or key order, or None."""
    def kind(value):
        return "bool" if isinstance(value, bool) else type(value).__name__
    if kind(left) != kind(right):
        return path, f"{kind(left)} {json.dumps(left, default=repr)} vs {kind(right)} {json.dumps(right, default=repr)}"
    if isinstance(left, dict):
        if list(left) != list(right):
            return path, f"keys {list(left)} vs {list(right)}"
        for key in left:
            found = difference(left[key], right[key], path + (key,))
            if found:
                return found
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return path, f"{len(left)} elements vs {len(right)}"
        for index, (a, b) in enumerate(zip(left, right)):
            found = difference(a, b, path + (index,))
            if found:
                return found
        return None
    return None if left == right else (path, f"{json.dumps(left, default=repr)} vs {json.dumps(right, default=repr)}")


def events(schema_path, directory, routing_path):
    report = Report()
    with open(schema_path, encoding="utf-8") as file:
        schema = json.load(file)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        report.error(f"{schema_path}: not a valid JSON Schema 2020-12: {error.message}")
        report.finish()
    report.ok(f"{schema_path}: a valid JSON Schema 2020-12")
    validator = jsonschema.Draft202012Validator(schema)

    def validate(label, event):
        errors = sorted(validator.iter_errors(event), key=lambda e: list(map(str, e.absolute_path)))
        for error in errors:
            report.error(f"{label}: {json_path(error.absolute_path)}: {error.message}")
        return not errors

    names = sorted(name[: -len(".json")] for name in os.listdir(directory) if name.endswith(".json"))
    if not names:
        report.error(f"{directory}: no sample events")
    for name in names:
        try:
            with open(os.path.join(directory, name + ".json"), encoding="utf-8") as file:
                event = json.load(file, object_pairs_hook=no_duplicates)
        except ValueError as error:
            report.error(f"{name}.json: not JSON the gateway reads: {error}")
            continue
        if validate(f"{name}.json", event):
            report.ok(f"{name}.json: matches the envelope schema")
        packed_path = os.path.join(directory, name + ".msgpack")
        if not os.path.exists(packed_path):
            report.error(f"{name}.msgpack is missing: run python3 scripts/sample_events_msgpack.py")
            continue
        with open(packed_path, "rb") as file:
            packed = file.read()
        try:
            decoded = msgpack.unpackb(packed, raw=False, strict_map_key=True, object_pairs_hook=no_duplicates)
        except (ValueError, msgpack.UnpackException) as error:
            report.error(f"{name}.msgpack: not one MessagePack value the gateway reads: {error}")
            continue
        valid = validate(f"{name}.msgpack", decoded)
        found = difference(decoded, event)
        if found:
            where, what = found
            report.error(f"{name}.msgpack decodes to another event than {name}.json: {json_path(where)}: {what} "
                         "(MessagePack vs JSON; run python3 scripts/sample_events_msgpack.py)")
        elif valid:
            report.ok(f"{name}.msgpack: matches the envelope schema and decodes to {name}.json's event ({len(packed)} bytes)")
    for name in sorted(os.listdir(directory)):
        if name.endswith(".msgpack") and name[: -len(".msgpack")] not in names:
            report.error(f"{name}: no JSON beside it (the JSON is the source of truth)")

    with open(routing_path, encoding="utf-8") as file:
        routing = yaml.safe_load(file) or {}
    spec = routing.get("spec") or {}
    routes = [route.get("name") for route in (spec.get("routes") or [])]
    if spec.get("default"):
        routes.append(spec["default"].get("name"))
    for route in routes:
        if route in names:
            report.ok(f"route {route}: sample {route}.json")
        else:
            report.error(f"route {route} of {routing_path} has no sample event {route}.json")
    for name in names:
        if name not in routes:
            report.error(f"{name}.json names no route of {routing_path} (samples are named after the route they take)")
    report.finish()


def main():
    commands = {"events": (events, 3)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    function, count = commands[sys.argv[1]]
    arguments = sys.argv[2:]
    if len(arguments) != count:
        print(__doc__)
        sys.exit(2)
    function(*arguments)


if __name__ == "__main__":
    main()
