"""The baseline a user would write instead of the gateway: a Python bridge over nats-py, msgpack and aiohttp.

Pulls from a durable JetStream consumer in batches of 256, decodes each structured MessagePack CloudEvent,
evaluates the same data filters as the benchmark's sensors (per sensor: data.value > 0, data.name matches
^sensor-.*$, data.ok == false; all must pass), and, in `http` mode, POSTs {"seq": data.seq} to the sink over
keep-alive connections (16 in flight, like the gateway's processing.concurrency) for each event; then acks.

usage: bridge.py <nats-url> <stream> <durable> <count> filter <sensors>
       bridge.py <nats-url> <stream> <durable> <count> http <sink-url>
prints: <events> <seconds> <fired>
"""
import asyncio
import re
import sys
import time

import aiohttp
import msgpack
import nats

NAME = re.compile(r"^sensor-.*$")


def passes(data) -> bool:
    """The three data filters of one benchmark sensor (AND)."""
    try:
        if not float(data["value"]) > 0:
            return False
    except (KeyError, TypeError, ValueError):
        return False
    if not NAME.search(str(data.get("name", ""))):
        return False
    return str(data.get("ok")).lower() == "false"


async def main(url: str, stream: str, durable: str, count: int, mode: str, argument: str) -> None:
    start = time.monotonic()
    connection = await nats.connect(url)
    jetstream = connection.jetstream()
    subscription = await jetstream.pull_subscribe_bind(durable=durable, stream=stream)
    sensors = int(argument) if mode == "filter" else 1
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) if mode == "http" else None
    in_flight = asyncio.Semaphore(16)
    seen = 0
    fired = 0

    async def post(message, data) -> None:
        async with in_flight:
            async with session.post(argument, json={"seq": data.get("seq")}) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"sink answered {response.status}")
            await message.ack()

    while seen < count:
        try:
            messages = await subscription.fetch(256, timeout=1)
        except nats.errors.TimeoutError:
            continue
        posts = []
        for message in messages:
            event = msgpack.unpackb(message.data, raw=False)
            data = event.get("data") if isinstance(event, dict) else None
            seen += 1
            if mode == "http":
                posts.append(post(message, data or {}))
                fired += 1
                continue
            for _ in range(sensors):
                if isinstance(data, dict) and passes(data):
                    fired += 1
            await message.ack()
        if posts:
            await asyncio.gather(*posts)
    await connection.flush()
    if session is not None:
        await session.close()
    await connection.close()
    print(f"{seen} {time.monotonic() - start:.6f} {fired}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 7 or sys.argv[5] not in ("filter", "http"):
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]))
