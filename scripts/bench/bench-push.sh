#!/usr/bin/env bash
# `vmtrust image push` of one 2 GiB file to a local release server, end to end, against
# `openssl dgst -sha256` on the same file, interleaved in one run, page cache warm; with the
# server's peak RSS (VmHWM) during each push.
#
#   scripts/bench/bench-push.sh [SIZE_MIB] [RUNS]
#
# Each repetition starts a fresh server (init, provider onboarded), so every push uploads,
# stores (fsync) and registers the image: nothing is deduplicated. The time is the whole
# `image push` command (one read of the file, hashed while sent; the server hashes, writes and
# fsyncs; finalisation; the register record). The file is random bytes, created once under
# $VMTRUST_BENCH_DIR (default /tmp/vmtrust-bench); the blob store is under $WORK_DIR (default a
# fresh mktemp -d). SKIP_BUILD=1 uses the existing release binary; VMTRUST_BIN=path uses that binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-2048}
runs=${2:-5}
scratch=${SCRATCH:-.build-release}
if [ -n "${VMTRUST_BIN:-}" ]; then
    bin=$VMTRUST_BIN
else
    [ "${SKIP_BUILD:-0}" = 1 ] || swift build -c release --scratch-path "$scratch" --product vmtrust >/dev/null
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/vmtrust
fi
dir=${VMTRUST_BENCH_DIR:-/tmp/vmtrust-bench}
mkdir -p "$dir"
file=$dir/image-${size_mib}m.raw
if [ "$(stat -c %s "$file" 2>/dev/null || echo 0)" != $(( size_mib << 20 )) ]; then
    head -c $(( size_mib << 20 )) /dev/urandom >"$file.tmp" && mv "$file.tmp" "$file"
fi
out=${OUT:-bench-out/push-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
work=$(mktemp -d "${WORK_DIR:-/tmp}/vmtrust-push.XXXXXX")
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

now() { date +%s.%N; }
echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg); file: $file ($size_mib MiB); $runs runs" | tee "$out/summary.txt"
expected=sha256:$(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)
cat "$file" >/dev/null
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
printf '%-4s %-10s %-10s %-7s %-15s %-15s %-15s %-6s\n' run openssl_s push_s ratio server_hwm_mib server_cpu_s client_cpu_s load1 \
    | tee -a "$out/summary.txt"
for run in $(seq "$runs"); do
    rm -rf "$work/data"
    "$bin" init --data "$work/data" >/dev/null
    "$bin" serve --data "$work/data" --listen 127.0.0.1:0 --log-level warning >"$work/server.out" 2>&1 &
    server=$!
    for _ in $(seq 100); do grep -qs "listening on" "$work/server.out" && break; sleep 0.1; done
    url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")
    [ -n "$url" ] || { cat "$work/server.out"; exit 1; }
    common=(--server "$url" --data "$work/data")
    [ -f "$work/acme.pem" ] || "$bin" key generate --out "$work/acme.pem" >/dev/null
    "$bin" provider onboard --id acme --name Acme --provider-key "$work/acme.pem" --reputation 90 \
        --key "$work/data/admin-key.pem" "${common[@]}" >/dev/null

    start=$(now)
    openssl dgst -sha256 "$file" >/dev/null
    openssl_s=$(echo "$(now) - $start" | bc)
    server_before=$(cpu_ticks "$server")
    start=$(now)
    /usr/bin/time -f "%U %S %M" -o "$work/client.time" \
        "$bin" image push "$file" --name bench --format raw --provider acme --key "$work/acme.pem" "${common[@]}" \
        >"$work/push.out" 2>"$work/push.err" || { cat "$work/push.err"; exit 1; }
    push_s=$(echo "$(now) - $start" | bc)
    server_cpu=$(echo "scale=2; ($(cpu_ticks "$server") - $server_before) / $hz" | bc)
    client_cpu=$(awk '{printf "%.2f", $1 + $2}' "$work/client.time")
    client_rss=$(awk '{printf "%.1f", $3 / 1024}' "$work/client.time")
    hwm=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server/status")
    stored=$work/data/blobs/sha256/${expected:7:2}/${expected:7}
    [ "$(stat -c %s "$stored")" = $(( size_mib << 20 )) ] || { echo "blob not stored"; exit 1; }
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=
    ratio=$(echo "scale=3; $openssl_s / $push_s" | bc)
    printf '%-4s %-10.3f %-10.3f %-7s %-15s %-15s %-15s %-6s\n' "$run" "$openssl_s" "$push_s" "$ratio" "$hwm" \
        "$server_cpu" "$client_cpu (rss $client_rss MiB)" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/summary.txt"
done
