#!/usr/bin/env bash
# Reads of stored policy decisions over HTTP: GET /v1/decisions/{id} on a release build of `vmtrust serve` (SQLite
# default) after a run of POST /v1/authorize stored them, for ids spread over the whole run.
#
#   VMTRUST_BIN=path scripts/bench/bench-decision-reads.sh [STORE_SECONDS] [READ_SECONDS] [CONNECTIONS]
#
# Defaults: 10 s of authorize load at 64 connections (tens of thousands of decisions in the decision journal), then
# READ_SECONDS (default 8) of reads at CONNECTIONS (default 16) of 2,000 ids taken evenly from the journal, once
# their index is written (the run waits 2 s for it). Prints the read rate, p50/p99 and the server's CPU per read.
# Needs what bench-authorize.sh needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
store_seconds=${1:-10}
read_seconds=${2:-8}
connections=${3:-16}
bin=${VMTRUST_BIN:?set VMTRUST_BIN to a release build of vmtrust}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$bin" init --data "$work/data" >/dev/null
"$bin" serve --data "$work/data" --listen 127.0.0.1:0 --log-level warning >"$work/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -qs "listening on" "$work/server.out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")
python3 scripts/bench/gen-policy-world.py --admin-key "$work/data/admin-key.pem" --requests "$work/requests.ndjson" \
    >"$work/records.ndjson"
while IFS= read -r envelope; do
    curl -sS -o /dev/null -f -H 'Content-Type: application/json' --data-binary "$envelope" "$url/v1/records"
done <"$work/records.ndjson"
BODIES="$work/requests.ndjson" wrk -t1 -c64 -d"${store_seconds}s" -s scripts/bench/post-authorize.lua "$url" |
    grep -E '^(ok|throughput)' | sed 's/^/store: /'
sleep 2
python3 - "$work/data/ledger.sqlite.decisions" "$work/ids.txt" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
ids, offset = [], 20
while offset + 8 <= len(data):
    (length,) = struct.unpack_from("<I", data, offset)
    if length < 80 or offset + 8 + length > len(data):
        break
    ids.append(data[offset + 8:offset + 72].decode())
    offset += 8 + length
step = max(1, len(ids) // 2000)
open(sys.argv[2], "w").write("\n".join(ids[::step][:2000]) + "\n")
print(f"journal: {len(ids)} decisions; reading {min(2000, len(ids[::step]))} of them")
PY
[ "${PERF:-0}" = 1 ] && { perf record -g -p "$server" -o "${PERF_OUT:-perf-reads.data}" -- sleep "$read_seconds" >/dev/null 2>&1 & }
before=$(awk '{print $14 + $15}' "/proc/$server/stat")
IDS="$work/ids.txt" wrk -t1 -c"$connections" -d"${read_seconds}s" -s scripts/bench/get-decisions.lua "$url" >"$work/reads.txt"
after=$(awk '{print $14 + $15}' "/proc/$server/stat")
grep -E '=' "$work/reads.txt"
rate=$(sed -n 's/^throughput_rps=//p' "$work/reads.txt")
awk -v t=$(( after - before )) -v hz="$(getconf CLK_TCK)" -v d="$read_seconds" -v r="$rate" \
    'BEGIN {printf "server_cpu_us_per_read=%.1f\n", t / hz / (r * d) * 1e6}'
