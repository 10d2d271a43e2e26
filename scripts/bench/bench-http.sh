#!/usr/bin/env bash
# Durable appends over HTTP: throughput at saturation and p99 time-to-receipt at a fixed
# rate, against a release build of `vmtrust serve` on loopback with the SQLite default.
# Server, load generator and database share this machine's cores.
#
#   scripts/bench/bench-http.sh [DURATION_SECONDS] [CONNECTIONS]
#
# Needs: wrk (apt-get install wrk), python3 with `cryptography`.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
connections=${2:-64}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

swift build -c release --product vmtrust >/dev/null
bin=$(swift build -c release --show-bin-path)/vmtrust
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" init --data "$work/data" >/dev/null
"$bin" serve --data "$work/data" --listen 127.0.0.1:0 --log-level warning >"$work/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")

count=$(( duration * 12000 ))
python3 scripts/bench/gen-envelopes.py --key "$work/data/admin-key.pem" --count "$count" --size 1024 --seed sat >"$work/sat.ndjson"
python3 scripts/bench/gen-envelopes.py --key "$work/data/admin-key.pem" --count $(( duration * 1100 )) --size 1024 --seed rate >"$work/rate.ndjson"
echo "envelope size: $(head -1 "$work/sat.ndjson" | wc -c) bytes"

echo "== saturation: $connections connections, ${duration}s"
BODIES="$work/sat.ndjson" THREADS=1 CONNECTIONS=$connections \
    wrk -t1 -c"$connections" -d"${duration}s" --timeout 10s -s scripts/bench/post-records.lua "$url" | grep -E "=|Requests/sec"

echo "== fixed rate: 1000 records/s, 50 connections, ${duration}s"
BODIES="$work/rate.ndjson" THREADS=1 CONNECTIONS=50 RATE=1000 \
    wrk -t1 -c50 -d"${duration}s" --timeout 10s -s scripts/bench/post-records.lua "$url" | grep -E "=|Requests/sec"

curl -s "$url/log/checkpoint" | sed -n 2p | xargs echo "final tree size:"
kill "$server"; wait "$server" 2>/dev/null || true
"$bin" log audit --data "$work/data"
