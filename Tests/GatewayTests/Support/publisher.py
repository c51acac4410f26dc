"""A third-party publisher for the gateway's end-to-end tests: nats-py and msgpack from PyPI.

Reads one JSON object per line on standard input, each {"subject": ..., "event": {...CloudEvent...}} for a
structured MessagePack CloudEvent, or {"subject": ..., "raw_hex": "..."} for a payload sent as it is (poison);
publishes each to JetStream with Nats-Msg-Id = the event id (or "raw-<n>"; a "msg_id" in the request overrides it,
for a source that sends the same event again after the stream's duplicate window) and prints "<stream> <sequence>"
per message.
"""
import asyncio
import json
import sys

import msgpack
import nats


async def main(server: str) -> None:
    connection = await nats.connect(server)
    jetstream = connection.jetstream()
    for number, line in enumerate(sys.stdin):
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        if "raw_hex" in request:
            payload = bytes.fromhex(request["raw_hex"])
            message_id = f"raw-{number}-{request['raw_hex'][:16]}"
            headers = {"Nats-Msg-Id": message_id}
        else:
            event = request["event"]
            payload = msgpack.packb(event, use_bin_type=True)
            headers = {"Nats-Msg-Id": request.get("msg_id", event["id"]),
                       "content-type": "application/cloudevents+msgpack"}
        ack = await jetstream.publish(request["subject"], payload, headers=headers)
        print(f"{ack.stream} {ack.seq}", flush=True)
    await connection.drain()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
