#!/usr/bin/env python3
"""MessagePack interop with a third-party encoder (PyPI `msgpack`).

`encode`: prints `name hex` lines, each the packing of CASES[name] by Python's msgpack.
`check`: reads `name hex` lines on stdin (bytes packed by sensor-gateway), unpacks each with Python's
msgpack and prints `ok name` when it equals CASES[name], else `mismatch name: <what Python saw>`.
The Swift test holds the same cases as EventValue and compares both directions.
"""
import struct
import sys

import msgpack
from msgpack import ExtType, Timestamp

CASES = {
    "nil": None,
    "true": True,
    "false": False,
    "zero": 0,
    "fixint_max": 127,
    "negfixint_min": -32,
    "uint8_max": 255,
    "uint16_max": 65535,
    "uint32_max": 4294967295,
    "int64_max": 9223372036854775807,
    "uint64_max": 18446744073709551615,
    "int8_min": -128,
    "int16_min": -32768,
    "int32_min": -2147483648,
    "int64_min": -9223372036854775808,
    "float64_pi": 3.141592653589793,
    "float64_neg_zero": -0.0,
    "float64_huge": 1.7976931348623157e308,
    "str_empty": "",
    "str_ascii": "hello",
    "str_unicode": "déjà vu ✓ 日本 🚀",
    "str_long": "x" * 300,
    "str_70k": "y" * 70000,
    "bin_empty": b"",
    "bin_bytes": bytes(range(256)),
    "array_mixed": [1, "two", 3.5, None, True, [b"\x00\x01"]],
    "array_20": list(range(20)),
    "map_nested": {"a": {"b": {"c": [1, {"d": "e"}]}}, "z": -1},
    "map_20": {f"k{i:02d}": i for i in range(20)},
    "ts32": Timestamp(1700000000, 0),
    "ts64": Timestamp(1700000000, 123456789),
    "ts96": Timestamp(-1, 500000000),
    "ts96_far": Timestamp(17179869184, 1),
    "int_keys": {1: "one", -2: "minus two"},
    "event": {
        "specversion": "1.0", "id": "e-1", "source": "minio", "type": "com.example.object.created",
        "subject": "uploads", "time": "2026-11-21T10:15:00.5Z", "datacontenttype": "application/json",
        "data": {"bucket": "raw", "size": 1048576, "ratio": 0.25, "tags": ["a", "b"], "ok": True},
    },
}

# An encoding Python never chooses for a float (float32), written by hand so the decoder sees it too.
RAW = {
    "float32_half": b"\xca" + struct.pack(">f", 0.5),
}
EXPECTED_FROM_RAW = {"float32_half": 0.5}


def pack(value):
    return msgpack.packb(value, use_bin_type=True, datetime=False)


def unpack(data):
    return msgpack.unpackb(data, raw=False, strict_map_key=False, timestamp=0)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "encode":
        for name, value in CASES.items():
            print(name, pack(value).hex())
        for name, data in RAW.items():
            print(name, data.hex())
    elif mode == "check":
        expected = dict(CASES, **EXPECTED_FROM_RAW)
        for line in sys.stdin:
            name, hex_bytes = line.split()
            seen = unpack(bytes.fromhex(hex_bytes))
            want = expected[name]
            if isinstance(want, dict) and any(isinstance(key, int) for key in want):
                want = {str(key): item for key, item in want.items()}  # integer keys come back as text
            if seen == want and type(seen) is type(want):
                print("ok", name)
            else:
                print(f"mismatch {name}: {seen!r}")
    else:
        sys.exit("usage: msgpack_interop.py encode|check")


if __name__ == "__main__":
    main()
