"""A third-party publisher for the gateway's end-to-end tests: nats-py and msgpack from PyPI.

Reads one JSON object per line on standard input, each {"subject": ..., "event": {...CloudEvent...}} for a
structured MessagePack CloudEvent, or {"subject": ..., "raw_hex": "..."} for a payload sent as it is (poison);
publishes each to JetStream with Nats-Msg-Id = the event id (or "raw-<n>"; a "msg_id" in the request overrides it,
for a source that sends the same event again after the stream's duplicate window) and prints "<stream> <sequence>"
per message.

An optional second argument is a pause in seconds after each publish, to spread the events over a while.

The server argument may list several URLs separated by commas (the servers of a cluster). A publish that gets no
acknowledgement (a timeout, no responders, the stream unavailable while it elects a leader) is sent again with the
same Nats-Msg-Id for up to two minutes: the stream stores it once.
"""
import asyncio
import json
import sys
import time

import msgpack
import nats
import nats.errors
import nats.js.errors

# Failures that a cluster's leader change or a reconnect explains; anything else stops the publisher.
TRANSIENT = (nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.errors.ConnectionReconnectingError,
             nats.js.errors.ServiceUnavailableError, nats.js.errors.NoStreamResponseError)


async def publish(jetstream, subject, payload, headers):
    deadline = time.monotonic() + 120
    while True:
        try:
            return await jetstream.publish(subject, payload, headers=headers, timeout=2)
        except TRANSIENT:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def main(server: str, pause: float) -> None:
    connection = await nats.connect(servers=server.split(","), max_reconnect_attempts=-1, reconnect_time_wait=0.5)
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
        ack = await publish(jetstream, request["subject"], payload, headers)
        print(f"{ack.stream} {ack.seq}", flush=True)
        if pause > 0:
            await asyncio.sleep(pause)
    await connection.drain()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0))
