"""Argo Events' side of a shared JetStream EventBus, as its EventSources write it (nats-py from PyPI).

  argo_eventbus.py SERVER create     creates the stream `default` (subjects `default.*.*`) as the EventBus does
  argo_eventbus.py SERVER publish    reads one JSON object per line on standard input, {"source": eventSourceName,
                                     "name": eventName, "id": ..., "data": {...}, "base64": bool}, and publishes a
                                     JSON structured CloudEvent on default.<source>.<name>, the data as `data` or,
                                     with "base64", as `data_base64`
  argo_eventbus.py SERVER info       prints the stream's configuration as JSON
"""
import asyncio
import base64
import json
import sys

import nats
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig


async def main(server: str, command: str) -> None:
    connection = await nats.connect(server)
    jetstream = connection.jetstream()
    if command == "create":
        await jetstream.add_stream(StreamConfig(
            name="default", subjects=["default.*.*"], retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD, storage=StorageType.FILE, max_msgs=1000000, max_age=72 * 3600,
            duplicate_window=300))
    elif command == "publish":
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            event = {
                "specversion": "1.0", "id": request["id"], "source": request["source"], "type": "webhook",
                "subject": request["name"], "time": "2026-12-04T10:00:00Z",
                "datacontenttype": "application/json",
            }
            data = json.dumps(request["data"]).encode()
            if request.get("base64"):
                event["data_base64"] = base64.b64encode(data).decode()
            else:
                event["data"] = request["data"]
            await jetstream.publish(
                f"default.{request['source']}.{request['name']}", json.dumps(event).encode(),
                headers={"Nats-Msg-Id": request["id"]})
    elif command == "info":
        info = await jetstream.stream_info("default")
        print(json.dumps(info.config.as_dict(), sort_keys=True), flush=True)
    await connection.drain()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
