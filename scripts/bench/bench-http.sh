#!/usr/bin/env bash
# Durable appends over HTTP: throughput at saturation and time-to-receipt at a fixed rate,
# against a release build of `vmtrust serve` on loopback with the SQLite default
# (WAL, synchronous=FULL). Server, load generator and database share this machine's cores.
#
#   scripts/bench/bench-http.sh [DURATION_SECONDS] [CONNECTIONS] [RATE]
#
# Defaults: 20 s, 64 connections at saturation, 1000 records/s for the fixed-rate run.
# Environment: SKIP_BUILD=1 uses the existing release binary; VMTRUST_BIN=path uses that binary; OUT=dir keeps the raw output
# (default bench-out/http-<time>, gitignored); SAT_CONNECTIONS="64 256" runs several
# saturation levels (none: only the fixed-rate run); MAX_RATE (default 8000) sizes the envelopes generated per level
# (MAX_RATE x DURATION; the run fails if any had to be reused).
#
# Every envelope is a distinct ~1 KiB admin-signed DSSE envelope (gen-envelopes.py, signed
# with python `cryptography`, not with vmtrust's code), POSTed exactly once; the run fails
# unless every answer was 201 and `vmtrust log audit` passes on the data afterwards.
#
# BACKEND=postgres keeps the ledger in PostgreSQL (`serve --postgres`, a fresh schema) instead:
# in the database of VMTRUST_TEST_POSTGRES_URL, or in a throwaway cluster on loopback that the
# script starts (scripts/postgres/cluster.sh; fsync=on, synchronous_commit=on, defaults).
#
# Needs: wrk (apt-get install wrk), python3 with `cryptography`, curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
connections=${2:-64}
rate=${3:-1000}
sat_connections=${SAT_CONNECTIONS:-$connections}
[ "$sat_connections" = none ] && sat_connections=""
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

# Never build into .build (the debug build directory of whoever works in this checkout).
scratch=.build-release
if [ -n "${VMTRUST_BIN:-}" ]; then
    bin=$VMTRUST_BIN
else
    [ "${SKIP_BUILD:-0}" = 1 ] || swift build -c release --scratch-path "$scratch" --product vmtrust >/dev/null
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/vmtrust
fi
out=${OUT:-bench-out/http-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
work=$(mktemp -d)
server=
cluster=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$cluster" ] && scripts/postgres/cluster.sh stop "$cluster"; rm -rf "$work"' EXIT
db_args=()
if [ "${BACKEND:-sqlite}" = postgres ]; then
    if [ -z "${VMTRUST_TEST_POSTGRES_URL:-}" ]; then
        cluster=$work/cluster
        eval "$(scripts/postgres/cluster.sh start "$cluster")"
    fi
    db_args=(--postgres "$VMTRUST_TEST_POSTGRES_URL" --postgres-schema "bench_$(date +%s)_$$")
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/summary.txt"
echo "backend: ${BACKEND:-sqlite}" | tee -a "$out/summary.txt"
"$bin" init --data "$work/data" "${db_args[@]}" >/dev/null
"$bin" serve --data "$work/data" "${db_args[@]}" --listen 127.0.0.1:0 --log-level warning >"$work/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -qs "listening on" "$work/server.out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")
[ -n "$url" ] || { cat "$work/server.out"; exit 1; }

# Enough distinct envelopes that none is sent twice (a resubmission answers 200).
n_levels=$(wc -w <<<"$sat_connections")
per_level=$(( duration * ${MAX_RATE:-8000} ))
sat_count=$(( per_level * n_levels ))
rate_count=$(( duration * rate * 12 / 10 + 1000 ))
gen() { python3 scripts/bench/gen-envelopes.py --key "$work/data/admin-key.pem" --count "$1" --size 1024 --seed "$2" >"$3"; }
gen "$sat_count" sat "$work/sat.ndjson" &
gen_sat=$!
gen "$rate_count" rate "$work/rate.ndjson" &
gen_rate=$!
wait "$gen_sat"
wait "$gen_rate"
echo "envelope size: $(head -1 "$work/rate.ndjson" | wc -c) bytes (with newline); generated $sat_count + $rate_count" | tee -a "$out/summary.txt"

# Ledger counters and the mean store commit time (vmtrust_ledger_commit_seconds) so far.
metrics() {
    curl -fsS "$url/metrics" | awk '
        /^vmtrust_ledger_entries_appended_total/ { printf "entries=%s ", $2 }
        /^vmtrust_ledger_batches_total/ { printf "batches=%s ", $2 }
        /^vmtrust_ledger_commit_seconds_sum/ { sum = $2 }
        /^vmtrust_ledger_commit_seconds_count/ { count = $2 }
        END { if (count > 0) printf "mean_commit_ms=%.2f", 1000 * sum / count }'
    echo
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK)

# Saturation: each level gets its own slice of the envelopes.
offset=0
for c in $sat_connections; do
    sed -n "$(( offset + 1 )),$(( offset + per_level ))p" "$work/sat.ndjson" >"$work/slice.ndjson"
    offset=$(( offset + per_level ))
    echo "== saturation: $c connections, ${duration}s" | tee -a "$out/summary.txt"
    before=$(cpu_ticks)
    BODIES="$work/slice.ndjson" THREADS=1 \
        wrk -t1 -c"$c" -d"${duration}s" --timeout 10s -s scripts/bench/post-records.lua "$url" >"$out/sat-$c.txt"
    after=$(cpu_ticks)
    grep -E '=' "$out/sat-$c.txt" | tee -a "$out/summary.txt"
    echo "server_cpu_cores=$(awk -v t=$(( after - before )) -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.2f", t / hz / d}')" | tee -a "$out/summary.txt"
    echo "metrics: $(metrics)" | tee -a "$out/summary.txt"
done

echo "== fixed rate: $rate records/s, 50 connections, ${duration}s" | tee -a "$out/summary.txt"
before=$(cpu_ticks)
BODIES="$work/rate.ndjson" THREADS=1 RATE=$rate \
    wrk -t1 -c50 -d"${duration}s" --timeout 10s -s scripts/bench/post-records.lua "$url" >"$out/rate-$rate.txt"
after=$(cpu_ticks)
grep -E '=' "$out/rate-$rate.txt" | tee -a "$out/summary.txt"
echo "server_cpu_cores=$(awk -v t=$(( after - before )) -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.2f", t / hz / d}')" | tee -a "$out/summary.txt"
echo "metrics: $(metrics)" | tee -a "$out/summary.txt"

size=$(curl -fsS "$url/log/checkpoint" | sed -n 2p)
echo "final tree size: $size" | tee -a "$out/summary.txt"
kill "$server"; wait "$server" 2>/dev/null || true; server=
"$bin" log audit --data "$work/data" "${db_args[@]}" | tee -a "$out/summary.txt"

# Every answer must have been a 201.
shopt -s nullglob
bad=0
for f in "$out"/sat-*.txt "$out/rate-$rate.txt"; do
    grep -qE '^created=[0-9]+ other=0 reused_bodies=0 ' "$f" || bad=1
    grep -qE '^errors connect=0 read=0 write=0 timeout=0 ' "$f" || bad=1
done
if [ "$bad" != 0 ]; then
    echo "FAIL: some answers were not 201 (see $out)" | tee -a "$out/summary.txt"
    exit 1
fi
echo "all answers 201; raw output in $out" | tee -a "$out/summary.txt"
