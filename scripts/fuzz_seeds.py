#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus, Fuzz/corpus/<target>/, from this repository's own sample events and Sensors
plus small hand-written inputs. Run from the repository root: python3 scripts/fuzz_seeds.py. Seeds are named by the
hash of their content, so rerunning rewrites the same files and libFuzzer's own additions sit beside them."""
import glob, hashlib, json, os, struct
import msgpack, yaml

ROOT = "Fuzz/corpus"


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(f"{ROOT}/{target}", exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(f"{ROOT}/{target}/{name}", "wb") as f:
        f.write(data)


def walk(node, found):
    """Collects expressions, conditions, paths and string data filters' patterns from a decoded Sensor document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key in ("expr", "conditions"):
                found["expression"].add(value)
            if isinstance(value, str) and key in ("path", "dataKey", "contextKey"):
                found["path"].add(value)
            if key == "data" and isinstance(value, list):
                for data_filter in value:
                    if isinstance(data_filter, dict) and data_filter.get("type") == "string":
                        found["regex"].update(v for v in data_filter.get("value", []) if isinstance(v, str))
            walk(value, found)
    elif isinstance(node, list):
        for value in node:
            walk(value, found)


# MessagePack / CloudEvents: the first byte picks the mode (0 structured MessagePack, 1 structured JSON,
# 2 binary mode with MessagePack data, 0x82 binary mode with JSON data), the rest is the payload.
for path in sorted(glob.glob("specs/events/*.json")):
    with open(path) as f:
        event = json.load(f)
    packed = msgpack.packb(event, use_bin_type=True)
    write("messagepack", b"\x00" + packed)
    write("messagepack", b"\x01" + json.dumps(event).encode())
    if "data" in event:
        write("messagepack", b"\x02" + msgpack.packb(event["data"], use_bin_type=True))
        write("messagepack", b"\x82" + json.dumps(event["data"]).encode())
for value in [None, True, False, 0, -1, 127, 128, -33, 255, 65535, -32769, 2**32, -(2**40), 2**64 - 1, 1.5, -0.0,
              "", "a", "x" * 40, "é", b"\x00\x01", [], [1, [2, [3]]], {}, {"a": {"b": [1, "c"]}}]:
    write("messagepack", b"\x00" + msgpack.packb(value, use_bin_type=True))
write("messagepack", b"\x00" + b"\xca" + struct.pack(">f", 3.25))  # float 32
write("messagepack", b"\x00" + b"\xd6\xff" + struct.pack(">I", 1700000000))  # timestamp 32
write("messagepack", b"\x00" + b"\xd7\xff" + struct.pack(">Q", (5 << 34) | 1700000000))  # timestamp 64
write("messagepack", b"\x00" + b"\xc7\x0c\xff" + struct.pack(">Iq", 7, -1))  # timestamp 96
write("messagepack", b"\x00" + b"\xd4\x01\x00")  # fixext 1, another type
write("messagepack", b"\x00" + b"\xdc\x00\x02\xc0\xc3")  # array 16
write("messagepack", b"\x00" + b"\xde\x00\x01\xa1k\xa1v")  # map 16
write("messagepack", b"\x00" + b"\x91" * 40 + b"\xc0")  # deep nesting

# Sensors: every document of config/sensors as a seed, and its expressions and paths for the other two.
found = {"expression": set(), "path": set(), "regex": set()}
for path in sorted(glob.glob("config/sensors/*.yaml")):
    with open(path) as f:
        text = f.read()
    write("sensor-yaml", text)
    for document in yaml.safe_load_all(text):
        walk(document, found)
        write("sensor-yaml", yaml.safe_dump(document, sort_keys=False))
        write("sensor-yaml", json.dumps(document))
write("sensor-yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n"
      "  dependencies: [{name: a, eventSourceName: e, eventName: x}]\n"
      "  triggers: [{template: {name: t, log: {}}}]\n")
write("sensor-yaml", "---\n---\nkind: Sensor\n...\n")
write("sensor-yaml", "a: &x [1, *x]\n")
write("sensor-yaml", "spec: {dependencies: [{name: 1}], triggers: [{template: {conditions: 'a &&'}}]}\n")

for text in found["expression"] | {
    "a == 1", "a != 'x' || !b", "x > 1.5e3 && y <= -2", "s =~ '^a.*$'", "n in (1, 2, 3)", "a ? b : c",
    "(a + b) * c / d % e ** 2", "[a.b-c] == \"q\\\"\"", "!(a && b) || c", "-x < 0", "true == false",
}:
    write("expression", text)
for text in {"a && b", "a || (b && !c)", "dep-1.x && dep_2", "!!a"}:
    write("expression", text)

for text in found["path"] | {
    "body.name", "friends.#", "friends.1.first", "friends.#.first", "friends.#(age>45)#.first",
    'friends.#(first=="Dale").age', "fav\\.movie", "child*", "c?ildren", "children|@reverse", "[name.first,age]",
    "{name.first,age}", "friends.#(nets.#(==\"fb\"))#.first", "@this", "name|first", "a.b.c.d.e.f",
}:
    write("path", text)

# Regular expressions: the pattern, a NUL, the text matched against it. Patterns of the shipped sensors, literals and
# `.*` chains (TextPattern's fast path), Go's flags and classes, and what RE2 refuses (look-around, backreferences).
for pattern, text in [
    ("^main$", "main"), ("hello, world", "say hello, world"), ("^refs/.*/main$", "refs/heads/main"),
    ("^sensor-.*$", "sensor-7\nx"), (r"\bv\b.*\bv2\b", '["v","v2"]'), (r"^\d+$", "\u0663"), (r"^\w+$", "caf\u00e9"),
    ("(?i)HELLO", "hello"), ("(?s)a.b", "a\nb"), ("(?m)^b$", "a\nb\nc"), ("(?U)a+?b", "aab"), ("^(a+)+$", "a" * 40 + "!"),
    (r"^[a-z]+-\d{2,4}$", "model-2024"), (r"\p{Greek}+", "\u03b1\u03b2"), ("(?=x)", "x"), (r"(a)\1", "aa"),
    ("a{1001}", "a"), ("[[:alpha:]]+", "abc"), (r"\Qa.b\E", "a.b"), ("", ""),
]:
    write("regex", pattern.encode() + b"\x00" + text.encode())
for pattern in found["regex"]:
    write("regex", pattern.encode() + b"\x00")
# Lua and jq: the program, then after a NUL byte the data (a JSON object).
SAMPLE = json.dumps({"a": "hello", "b": 2, "c": {"d": [3, 4]}, "n": None})
for script in [
    'return event.a == "hello"', "return true", "return event.c.d[1] == 3", "event.c.d[1] = 4 return event",
    "return setmetatable({1, 2}, {__is_array = true})", 'return "hello"', "return nil", "if then",
    "while true do end", "local t = {} while true do t[#t+1] = string.rep('x', 1000) end",
    "return io.open('/etc/passwd')", "return os.time()", "return pcall(error, {})", "return {a = {b = {c = 1}}}",
    "local t = {} t.t = t return t", "return string.format('%d', event.b) == '2'",
]:
    write("lua", script.encode() + b"\x00" + SAMPLE.encode())
for program in [
    ".", ".a += \"!\"", ".b *= 2", "{x: .c.d[0]}", ".c.d", "empty", "error(\"boom\")", ".a +* 1",
    "{a: [.c.d[] | . * 2]}", "to_entries | from_entries", "with_entries(.value |= tostring)", ".n // {}",
    "[limit(3; range(10))] | {r: .}", "del(.a)", "{(.a): .b}", "if .b > 1 then {big: true} else {} end",
]:
    write("jq", program.encode() + b"\x00" + SAMPLE.encode())
