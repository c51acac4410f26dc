#!/usr/bin/env python3
"""Writes specs/events/<name>.msgpack from each sample specs/events/<name>.json (the JSON is the source of truth).

Usage: python3 scripts/sample_events_msgpack.py [--check] [DIRECTORY]     (or `make sample-events`)

Each .msgpack is the same structured-mode CloudEvent as a MessagePack map: keys in the JSON's order, strings as
str, integers in their smallest encoding, other numbers as float64, `time` kept as RFC 3339 text (what
`sensor-gateway publish` sends too). Needs msgpack from PyPI (pinned in the Makefile).

--check writes nothing: it prints each file that is missing, stale, or has no JSON beside it, and exits 1 if any.
"""
import json
import os
import sys

try:
    import msgpack
except ImportError:
    print("error: msgpack is missing: python3 -m pip install msgpack==1.2.4 (or `make deps`)")
    sys.exit(2)


def samples(directory):
    """The sample event files: every *.json directly in the directory (the schema lives in schema/)."""
    return sorted(name[: -len(".json")] for name in os.listdir(directory) if name.endswith(".json"))


def encode(path):
    with open(path, encoding="utf-8") as file:
        event = json.load(file)
    return msgpack.packb(event, use_bin_type=True)


def main(arguments):
    check = "--check" in arguments
    rest = [argument for argument in arguments if argument != "--check"]
    directory = rest[0] if rest else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "specs", "events")
    names = samples(directory)
    problems = 0
    for name in names:
        target = os.path.join(directory, name + ".msgpack")
        expected = encode(os.path.join(directory, name + ".json"))
        current = open(target, "rb").read() if os.path.exists(target) else None
        if current == expected:
            print(f"ok {name}.msgpack = {name}.json ({len(expected)} bytes)")
        elif check:
            problems += 1
            state = "missing" if current is None else "stale"
            print(f"error: {name}.msgpack is {state}: run python3 scripts/sample_events_msgpack.py")
        else:
            with open(target, "wb") as file:
                file.write(expected)
            print(f"wrote {name}.msgpack ({len(expected)} bytes)")
    for name in sorted(os.listdir(directory)):
        if name.endswith(".msgpack") and name[: -len(".msgpack")] not in names:
            problems += 1
            print(f"error: {name} has no {name[: -len('.msgpack')]}.json beside it (the JSON is the source of truth)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
