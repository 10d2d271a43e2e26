#!/usr/bin/env bash
# The replica drill of issue 7: three `vmtrust serve` replicas on loopback share one
# PostgreSQL; clients write to all of them; one replica is SIGKILLed mid-run. Then:
# every acknowledged record is in the log with a valid inclusion proof, no two checkpoints
# of one size differ, every checkpoint is consistent with the final one (so with every
# other), writes resume on the survivors within 5 s, and `vmtrust log audit --postgres`
# passes on the database. drill.py says exactly what it checks, and how.
#
#   scripts/replicas/drill.sh [RECORDS] [THREADS]
#
# Defaults: 3000 records, 12 client threads. Environment:
#   VMTRUST_TEST_POSTGRES_URL  the database to use (a fresh schema is made in it); when unset
#                              a throwaway cluster is started (scripts/postgres/cluster.sh)
#   VMTRUST_BIN                the vmtrust binary (default: `swift build --product vmtrust`)
#   OUT                        where logs and the summary go (default: a temp dir, removed)
# Needs: python3 with `cryptography`, curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
records=${1:-3000}
threads=${2:-12}

if [ -n "${VMTRUST_BIN:-}" ]; then
    bin=$VMTRUST_BIN
else
    swift build --product vmtrust >/dev/null
    bin=$(swift build --show-bin-path)/vmtrust
fi
work=$(mktemp -d)
out=${OUT:-$work/out}
mkdir -p "$out"
pids=()
cluster=
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "$cluster" ] && scripts/postgres/cluster.sh stop "$cluster"
    [ -n "${OUT:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${VMTRUST_TEST_POSTGRES_URL:-}" ]; then
    cluster=$work/cluster
    eval "$(scripts/postgres/cluster.sh start "$cluster")"
fi
url=$VMTRUST_TEST_POSTGRES_URL
schema=drill_$(date +%s)_$$
echo "database: ${url%%\?*} schema $schema; load: $(cut -d' ' -f1-3 /proc/loadavg)"

"$bin" init --data "$work/data" --postgres "$url" --postgres-schema "$schema" >/dev/null
vkey=$("$bin" log key --data "$work/data")
urls=()
for i in 0 1 2; do
    "$bin" serve --data "$work/data" --postgres "$url" --postgres-schema "$schema" \
        --listen 127.0.0.1:0 --log-level warning >"$out/replica-$i.out" 2>&1 &
    pids+=($!)
done
for i in 0 1 2; do
    for _ in $(seq 300); do grep -qs "listening on" "$out/replica-$i.out" && break; sleep 0.1; done
    u=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$out/replica-$i.out")
    [ -n "$u" ] || { cat "$out/replica-$i.out"; exit 1; }
    curl -fsS "$u/readyz" >/dev/null
    urls+=("$u")
done
echo "replicas: ${urls[*]}"

python3 scripts/bench/gen-envelopes.py --key "$work/data/admin-key.pem" --count "$records" --size 512 --seed "drill-$schema" \
    >"$work/envelopes.ndjson"
status=0
python3 scripts/replicas/drill.py --replicas "$(IFS=,; echo "${urls[*]}")" --pids "$(IFS=,; echo "${pids[*]}")" \
    --envelopes "$work/envelopes.ndjson" --vkey "$vkey" --threads "$threads" --kill 0 --kill-after 0.4 --out "$out" \
    || status=$?
# The killed replica's readiness: gone; the others': ready.
for i in 1 2; do curl -fsS "${urls[$i]}/readyz" >/dev/null || { echo "replica $i is not ready"; status=1; }; done
for pid in "${pids[@]:1}"; do kill "$pid"; done
wait 2>/dev/null || true
pids=()
"$bin" log audit --data "$work/data" --postgres "$url" --postgres-schema "$schema" | tee "$out/audit.txt" || status=1
if [ "$status" = 0 ]; then echo "drill passed"; else echo "drill FAILED (see ${OUT:-the output above})"; fi
exit "$status"
