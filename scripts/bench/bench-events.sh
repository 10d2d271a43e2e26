#!/usr/bin/env bash
# Reputation event latency (issue 5: "a reputation change is pushed within one second of the commit").
#
#   scripts/bench/bench-events.sh [N]
#
# Starts `vmtrust serve` (SQLite, WAL, synchronous=FULL) on loopback, subscribes to GET /v1/events with a
# Python reader, then onboards N providers (default 50) one after another with the CLI: each onboarding
# (initial reputation 70) changes that provider's reputation and yields one `reputation` event. For each event the
# reader prints arrival time − the event's `time` (the batch's integration time, read by the sequencer before the
# batch is admitted and committed), so every figure is an upper bound of commit → event. Prints count, median,
# p99 and max in ms.
#
# Environment: VMTRUST_BIN=path (default: the debug build, .build/debug/vmtrust).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-50}
bin=${VMTRUST_BIN:-.build/debug/vmtrust}
work=$(mktemp -d)
server=
reader=
trap '[ -n "$reader" ] && kill "$reader" 2>/dev/null; [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" init --data "$work/data" >/dev/null
"$bin" serve --data "$work/data" --listen 127.0.0.1:0 --log-level warning >"$work/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -qs "listening on" "$work/server.out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")
[ -n "$url" ] || { cat "$work/server.out"; exit 1; }
common=(--server "$url" --data "$work/data")
admin=$work/data/admin-key.pem

python3 -u - "$url" >"$work/latency.txt" <<'PY' &
import json, sys, time, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/v1/events") as stream:
    for raw in stream:
        line = raw.decode().rstrip("\n")
        if line.startswith("data: ") and '"provider"' in line:
            print(int(time.time() * 1000) - json.loads(line[6:])["time"], flush=True)
PY
reader=$!
sleep 1
for i in $(seq "$n"); do
    "$bin" key generate --out "$work/p$i.pem" >/dev/null
    "$bin" provider onboard --id "p$i" --name "P$i" --provider-key "$work/p$i.pem" --reputation 70 --key "$admin" \
        "${common[@]}" >/dev/null
done
sleep 1
python3 - "$work/latency.txt" "$n" <<'PY'
import sys
values = sorted(int(v) for v in open(sys.argv[1]).read().split())
expected = int(sys.argv[2])
if len(values) != expected:
    sys.exit(f"events: {len(values)} of {expected}")
p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
print(f"events {len(values)}: integration time -> event at the client, ms: median {values[len(values) // 2]}, p99 {p99}, max {values[-1]}")
PY
