#!/usr/bin/env python3
"""Lists the gateway's dead letters and replays them (docs/operations.md). Needs nats-py from PyPI (pinned in the
Makefile).

  python3 scripts/dlq.py [connection] list [--limit N]     one line per dead letter: sequence, reason, sensor,
                                                          trigger, original subject and sequence, deliveries
  python3 scripts/dlq.py [connection] show SEQ             one dead letter: its headers, and its payload (JSON as
                                                          text, anything else as hex)
  python3 scripts/dlq.py [connection] replay SEQ...        republishes each to its original subject with its original
                                                          headers (without the Sensor-Gateway-* ones)
  python3 scripts/dlq.py [connection] delete SEQ...        removes dead letters (after a replay, or to drop them)

connection: --server URL (default $NATS_URL, else nats://127.0.0.1:4222), --creds FILE (a NATS .creds file; nats-py
needs the nkeys package for it), --tls-ca FILE, --tls-cert FILE --tls-key FILE, --stream NAME (default DLQ).

A replay publishes with Nats-Msg-Id `replay-<original subject>-<original stream sequence>`: the dead letters of one
message (one per failed trigger) replay it once, and replaying again within the stream's duplicate window (2 min for
EVENTS) stores nothing new. Every trigger of every sensor on that subject sees the replayed event again; those that
already succeeded are recognised by their deterministic names (argoWorkflow, k8s, kubeflowPipeline, route) or the
outbox, while http, nats and log triggers run again.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

try:
    import nats
    from nats.js.errors import NotFoundError
except ImportError:
    print("error: nats-py is missing: python3 -m pip install nats-py==2.16.0 (or `make deps`)", file=sys.stderr)
    sys.exit(2)

PREFIX = "Sensor-Gateway-"
COLUMNS = ("Reason", "Sensor", "Trigger", "Subject", "Stream-Sequence", "Deliveries")


async def connect(options):
    arguments = {"servers": [url.strip() for url in options.server.split(",")], "name": "sensor-gateway dlq",
                 "allow_reconnect": False, "connect_timeout": 5}
    if options.creds:
        try:
            import nkeys  # noqa: F401 (nats-py signs with it)
        except ImportError:
            print("error: --creds needs the nkeys package: python3 -m pip install nkeys", file=sys.stderr)
            sys.exit(2)
        arguments["user_credentials"] = options.creds
    if options.tls_ca or options.tls_cert:
        context = ssl.create_default_context(cafile=options.tls_ca)
        if options.tls_cert:
            context.load_cert_chain(options.tls_cert, options.tls_key)
        arguments["tls"] = context
    return await nats.connect(**arguments)


async def dead_letters(js, stream, limit):
    info = await js.stream_info(stream)
    found = 0
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        if limit and found >= limit:
            return
        try:
            message = await js.get_msg(stream, seq=sequence)
        except NotFoundError:
            continue
        found += 1
        yield message


def header(message, name):
    return (message.headers or {}).get(PREFIX + name, "")


async def run(options):
    connection = await connect(options)
    js = connection.jetstream()
    status = 0
    try:
        if options.command == "list":
            count = 0
            async for message in dead_letters(js, options.stream, options.limit):
                count += 1
                fields = " ".join(f"{name.lower()}={json.dumps(header(message, name))}" for name in COLUMNS)
                print(f"{message.seq} {fields}")
            print(f"{count} dead letters in {options.stream}")
        elif options.command == "show":
            message = await js.get_msg(options.stream, seq=options.sequences[0])
            print(f"sequence {message.seq} subject {message.subject}")
            for name, value in sorted((message.headers or {}).items()):
                print(f"{name}: {value}")
            payload = message.data or b""
            try:
                print(json.dumps(json.loads(payload), indent=2))
            except ValueError:
                print(payload.hex())
        elif options.command == "replay":
            for sequence in options.sequences:
                message = await js.get_msg(options.stream, seq=sequence)
                subject = header(message, "Subject")
                if not subject:
                    print(f"error: {options.stream} {sequence} has no {PREFIX}Subject header: not a gateway dead letter")
                    status = 1
                    continue
                headers = {name: value for name, value in (message.headers or {}).items()
                           if not name.startswith(PREFIX) and name != "Nats-Msg-Id"}
                headers["Nats-Msg-Id"] = f"replay-{subject}-{header(message, 'Stream-Sequence')}"
                ack = await js.publish(subject, message.data or b"", headers=headers)
                duplicate = " (duplicate: already replayed)" if ack.duplicate else ""
                print(f"replayed {options.stream} {sequence} to {subject}: stream {ack.stream} sequence {ack.seq}{duplicate}")
        elif options.command == "delete":
            manager = connection.jsm()
            for sequence in options.sequences:
                await manager.delete_msg(options.stream, sequence)
                print(f"deleted {options.stream} {sequence}")
    except NotFoundError as error:
        print(f"error: not found in {options.stream}: {error}")
        status = 1
    finally:
        await connection.close()
    return status


def main():
    parser = argparse.ArgumentParser(description="The gateway's dead letters: list, show, replay, delete.")
    parser.add_argument("--server", default=os.environ.get("NATS_URL") or "nats://127.0.0.1:4222")
    parser.add_argument("--creds")
    parser.add_argument("--tls-ca")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--stream", default="DLQ")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list")
    listing.add_argument("--limit", type=int, default=0)
    for name in ("show", "replay", "delete"):
        command = commands.add_parser(name)
        command.add_argument("sequences", type=int, nargs=1 if name == "show" else "+", metavar="SEQ")
    options = parser.parse_args()
    sys.exit(asyncio.run(run(options)))


if __name__ == "__main__":
    main()
