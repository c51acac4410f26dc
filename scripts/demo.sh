#!/usr/bin/env bash
# make demo: nats-server on loopback with a temporary store, provisioning, the gateway with config/, one publish per
# sample event of config/events and one per routing row (specs/events, through the platform-router sensor and
# config/routing.yaml), then the outbox and a few metrics. Stops everything it started; exits 0 on success.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${SENSOR_GATEWAY_BIN:-.build/debug/sensor-gateway}"
WORK="$(mktemp -d -t sensor-gateway-demo.XXXXXX)"
NATS_PID=""
GATEWAY_PID=""

cleanup() {
    if [ -n "$GATEWAY_PID" ] && kill -0 "$GATEWAY_PID" 2>/dev/null; then kill -KILL "$GATEWAY_PID" 2>/dev/null || true; fi
    if [ -n "$NATS_PID" ] && kill -0 "$NATS_PID" 2>/dev/null; then kill -TERM "$NATS_PID" 2>/dev/null || true; wait "$NATS_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
http_get() { python3 -c 'import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())
except Exception as error:
    sys.exit(1)' "$1"; }
wait_for() { # wait_for <seconds> <description> <command...>
    local seconds="$1" what="$2"; shift 2
    for _ in $(seq $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "demo: timed out waiting for $what" >&2
    [ -f "$WORK/gateway.log" ] && tail -20 "$WORK/gateway.log" >&2
    return 1
}

NATS_PORT="$(free_port)"
ADMIN_PORT="$(free_port)"
export NATS_URL="nats://127.0.0.1:$NATS_PORT"

echo "== nats-server on 127.0.0.1:$NATS_PORT (store $WORK/store)"
nats-server -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$WORK/store" >"$WORK/nats.log" 2>&1 &
NATS_PID=$!
wait_for 10 "nats-server" grep -q "Server is ready" "$WORK/nats.log"

# config/gateway.yaml as shipped, with the admin port and the outbox moved into the demo's directory.
sed -e "s|listen: 127.0.0.1:9090|listen: 127.0.0.1:$ADMIN_PORT|" -e "s|^outbox: .*|outbox: $WORK/outbox|" \
    config/gateway.yaml >"$WORK/gateway.yaml"

echo "== provision"
"$BIN" provision --config "$WORK/gateway.yaml"

echo "== sensor-gateway run (admin on 127.0.0.1:$ADMIN_PORT)"
"$BIN" run --config "$WORK/gateway.yaml" --log-format text >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
wait_for 30 "/readyz" http_get "http://127.0.0.1:$ADMIN_PORT/readyz"

echo "== publish the sample events"
for file in config/events/*.json; do
    subject="$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1])); print("events." + e["source"] + "." + e["subject"])' "$file")"
    printf '%-40s %-40s ' "$file" "$subject"
    "$BIN" publish --subject "$subject" --file "$file"
done

echo "== publish one sample event per routing row (the platform-router sensor sends them through config/routing.yaml)"
for file in specs/events/*.json; do
    printf '%-40s %-40s ' "$file" "events.ml-platform.workload-requested"
    "$BIN" publish --subject events.ml-platform.workload-requested --file "$file"
done

# model-promotion fires on model-trained; retrain-pipeline on dataset-ready && code-pushed; each routing row once.
expected=$((2 + $(ls specs/events/*.json | wc -l)))
wait_for 30 "$expected outbox records" sh -c "[ \$(ls '$WORK/outbox' 2>/dev/null | wc -l) -ge $expected ]"

echo "== triggered (argo.server and kubeflow.host unset: each request is in the outbox, as it would be sent)"
python3 - "$WORK/outbox" <<'SUMMARY'
import json, os, sys
for name in sorted(os.listdir(sys.argv[1])):
    record = json.load(open(os.path.join(sys.argv[1], name)))
    body = record.get("body") or {}
    what = body.get("resourceName") or body.get("display_name") or (body.get("workflow") or {}).get("metadata", {}).get("name", "")
    print(f"{record['sensor']}/{record['trigger']:<16} {record['engine']:<9} {record['method']} {record['url']}  {what}")
SUMMARY
for file in "$WORK"/outbox/*.json; do
    echo "--- $(basename "$file")"
    python3 -m json.tool "$file"
done

echo "== metrics"
http_get "http://127.0.0.1:$ADMIN_PORT/metrics" \
    | grep -E '^sensor_gateway_(events_received_total|triggers_total|correlations_pending|nats_connected)' || true

echo "== stop"
kill -TERM "$GATEWAY_PID"
wait "$GATEWAY_PID"
GATEWAY_PID=""
echo "demo: done"
