#!/usr/bin/env bash
# Policy decisions over HTTP: POST /v1/authorize under concurrent load beside a trivial route
# (GET /healthz) on the same server in the same run, against a release build of `vmtrust serve` on
# loopback with the SQLite default (every decision stored before the answer: group-committed to the decision journal,
# one fdatasync per batch; the log itself synchronous=FULL).
# Server and load generator share this machine's cores.
#
#   scripts/bench/bench-authorize.sh [DURATION_SECONDS] [CONNECTIONS]
#
# Defaults: 20 s, 64 connections. Environment: SKIP_BUILD=1 uses the existing release binary;
# VMTRUST_BIN=path uses that binary; OUT=dir keeps the raw output (default bench-out/authorize-<time>,
# gitignored); IMAGES (default 20 lineages, 40 images) and USERS (default 50) size the request mix;
# PERF=1 records a CPU profile of the server during the authorize run (perf record -g, into $OUT/perf.data) and
# during the first trivial run ($OUT/perf-trivial.data), to compare the two per request; PERF_EVENT=event records that
# event instead of CPU time (e.g. probe_libc:malloc after `perf probe -x /lib/x86_64-linux-gnu/libc.so.6 --add malloc`);
# WARMUP (default 3) seconds of authorize requests run first, reported but not counted: the server's first
# requests read every image's snapshot from the store (about 140 ms for the first 64 answers), which otherwise sets
# the measured run's p99 (WARMUP=0 measures a cold server).
#
# Requests carry no "time", so each is evaluated at the server's clock (ms): a decision id binds the request
# time, and a body repeats only every USERS x images requests, so every decision is a distinct decision and is
# stored (the summary reports the rows in the decisions table after the run against the requests answered).
#
# The log: one provider (initial reputation 80), IMAGES lineages of two versions, one audit attestation
# per image, and a three-scope policy with 21 rules per scope (gen-policy-world.py, signed with python
# `cryptography`). Requests cycle through USERS x images with environments prod (enforce), staging (warn)
# and dev (the catch-all), so decisions allow, allow with conditions, warn and deny. The run fails unless
# every answer was 200.
#
# Each run also prints the bytes the server sent to storage and its write calls per request (/proc/<pid>/io), the load
# generator's CPU per request (wrk shares the cores) and the share of the machine left idle during the run.
#
# Needs: wrk (apt-get install wrk), python3 with `cryptography`, curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
connections=${2:-64}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

scratch=.build-release
if [ -n "${VMTRUST_BIN:-}" ]; then
    bin=$VMTRUST_BIN
else
    [ "${SKIP_BUILD:-0}" = 1 ] || swift build -c release --scratch-path "$scratch" --product vmtrust >/dev/null
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/vmtrust
fi
out=${OUT:-bench-out/authorize-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; cp "$work/server.out" "$out/" 2>/dev/null; rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/summary.txt"
"$bin" init --data "$work/data" >/dev/null
"$bin" serve --data "$work/data" --listen 127.0.0.1:0 --log-level warning >"$work/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -qs "listening on" "$work/server.out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")
[ -n "$url" ] || { cat "$work/server.out"; exit 1; }

python3 scripts/bench/gen-policy-world.py --admin-key "$work/data/admin-key.pem" --images "${IMAGES:-20}" \
    --users "${USERS:-50}" --requests "$work/requests.ndjson" >"$work/records.ndjson"
n=0
while IFS= read -r envelope; do
    status=$(curl -sS -o "$work/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "$envelope" "$url/v1/records")
    [ "$status" = 201 ] || { echo "record $n refused ($status): $(cat "$work/answer.json")"; exit 1; }
    n=$((n + 1))
done <"$work/records.ndjson"
echo "log: $n records; $(wc -l <"$work/requests.ndjson") distinct authorize request bodies (USERS=${USERS:-50} users x $(( ${IMAGES:-20} * 2 )) images, one environment each of prod/staging/dev)" | tee -a "$out/summary.txt"
# One decision of each kind, for the record.
head -3 "$work/requests.ndjson" | while IFS= read -r body; do
    curl -sS -H 'Content-Type: application/json' --data-binary "$body" "$url/v1/authorize" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print("sample:", d["request"]["environment"], d["effect"], d["privilege"], [r["code"] for r in d["reasons"]])'
done | tee -a "$out/summary.txt"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# CPU ticks of this script's waited-for children (wrk, once it has exited), and the machine's idle and total ticks.
client_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
machine_ticks() { awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# The server's write_bytes (bytes it sent to the storage layer: the journal, the index, SQLite's WAL and checkpoints)
# and syscw (write calls, sockets included).
io_counters() { awk '/^write_bytes/ {w = $2} /^syscw/ {c = $2} END {print w, c}' "/proc/$server/io"; }
hz=$(getconf CLK_TCK)
run() { # name, then env for the lua script (RUN_SECONDS overrides the duration)
    local name=$1
    shift
    local duration=${RUN_SECONDS:-$duration}
    echo "== $name: $connections connections, ${duration}s" | tee -a "$out/summary.txt"
    local before after
    local perf=
    if [ "${PERF:-0}" = 1 ] && { [ "$name" = authorize ] || [ "$name" = trivial ]; }; then
        local data=$out/perf.data
        [ "$name" = authorize ] || data=$out/perf-$name.data
        perf record ${PERF_EVENT:+-e "$PERF_EVENT"} -g -p "$server" -o "$data" -- sleep "$duration" >/dev/null 2>&1 &
        perf=$!
    fi
    before=$(cpu_ticks)
    local client_before machine_before
    client_before=$(client_ticks)
    machine_before=$(machine_ticks)
    local io_before io_after
    io_before=$(io_counters)
    env "$@" BODIES="$work/requests.ndjson" wrk -t1 -c"$connections" -d"${duration}s" --timeout 10s \
        -s scripts/bench/post-authorize.lua "$url" >"$out/$name.txt"
    after=$(cpu_ticks)
    io_after=$(io_counters)
    local client_after machine_after
    client_after=$(client_ticks)
    machine_after=$(machine_ticks)
    [ -z "$perf" ] || wait "$perf" || true
    grep -E '=' "$out/$name.txt" | tee -a "$out/summary.txt"
    local answered
    answered=$(sed -n 's/^ok=\([0-9]*\) other=\([0-9]*\)$/\1 \2/p' "$out/$name.txt" | awk '{print $1 + $2}')
    awk -v t=$(( after - before )) -v hz="$hz" -v d="$duration" -v n="$answered" \
        'BEGIN {printf "server_cpu_cores=%.2f server_cpu_us_per_request=%.1f\n", t / hz / d, t / hz / n * 1e6}' |
        tee -a "$out/summary.txt"
    echo "$client_before $client_after $machine_before $machine_after $answered" | awk -v hz="$hz" '$7 > 0 {
        printf "client_cpu_us_per_request=%.1f machine_idle=%.2f\n", ($2 - $1) / hz / $7 * 1e6, ($5 - $3) / ($6 - $4)}' |
        tee -a "$out/summary.txt"
    echo "$io_before $io_after $answered" | awk '$5 > 0 {
        printf "server_write_bytes_per_request=%.0f server_write_calls_per_request=%.2f\n", ($3 - $1) / $5, ($4 - $2) / $5}' |
        tee -a "$out/summary.txt"
}
# Decisions stored: rows of the decisions table (before the journal) and frames of the decision journal (walked by
# their length fields; the store checks each frame's CRC-32C when it reads it).
stored() {
    python3 - "$work/data/ledger.sqlite" <<'PY'
import os, sqlite3, struct, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
frames = 0
path = sys.argv[1] + ".decisions"
if os.path.exists(path):
    with open(path, "rb") as f:
        data = f.read()
    offset = 20
    while offset + 8 <= len(data):
        (length,) = struct.unpack_from("<I", data, offset)
        if length < 80 or offset + 8 + length > len(data):
            break
        frames += 1
        offset += 8 + length
print(rows + frames)
PY
}
if [ "${WARMUP:-3}" != 0 ]; then RUN_SECONDS=${WARMUP:-3} run warmup-authorize; fi
run trivial METHOD=GET ROUTE=/healthz
stored_before=$(stored)
run authorize
echo "decisions stored during the authorize run: $(( $(stored) - stored_before ))" | tee -a "$out/summary.txt"
# The decision store's group commits since the server started (those of the warm-up and of the authorize run): how many,
# their mean size, and how many took longer than 10 / 25 / 50 ms (the Prometheus histogram's buckets).
curl -sS "$url/metrics" >"$out/metrics.txt"
awk '/^vmtrust_decisions_commit_seconds_bucket/ { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); b[le] = $NF }
     /^vmtrust_decisions_commit_seconds_count/ { n = $NF } /^vmtrust_decisions_commit_seconds_sum/ { s = $NF }
     /^vmtrust_decisions_batch_size_sum/ { d = $NF }
     END { if (n > 0) printf "decision commits: %d, mean %.1f decisions, mean %.2f ms; over 10 ms: %d, over 25 ms: %d, over 50 ms: %d\n",
           n, d / n, s / n * 1000, n - b["0.01"], n - b["0.025"], n - b["0.05"] }' "$out/metrics.txt" | tee -a "$out/summary.txt"
run trivial-again METHOD=GET ROUTE=/healthz

rate() { sed -n 's/.*throughput_rps=\([0-9.]*\).*/\1/p' "$out/$1.txt"; }
awk -v a="$(rate authorize)" -v t1="$(rate trivial)" -v t2="$(rate trivial-again)" \
    'BEGIN {printf "ratio authorize / trivial (mean of the runs before and after) = %.2f\n", a / ((t1 + t2) / 2)}' |
    tee -a "$out/summary.txt"
bad=0
for f in "$out"/trivial.txt "$out"/authorize.txt "$out"/trivial-again.txt; do
    grep -qE '^ok=[0-9]+ other=0$' "$f" || bad=1
    grep -qE '^errors connect=0 read=0 write=0 timeout=0 ' "$f" || bad=1
done
[ "$bad" = 0 ] || { echo "FAIL: some answers were not 200 (see $out)" | tee -a "$out/summary.txt"; exit 1; }
echo "all answers 200; raw output in $out" | tee -a "$out/summary.txt"
