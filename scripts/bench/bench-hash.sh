#!/usr/bin/env bash
# `vmtrust image hash` against `openssl dgst -sha256` (and coreutils sha256sum) on one
# 2 GiB file, in one hyperfine run each for page-cache-warm and cold reads, plus max RSS.
#
#   scripts/bench/bench-hash.sh [SIZE_MIB]
#
# The file is random bytes, created once under $VMTRUST_BENCH_DIR (default /tmp/vmtrust-bench).
# Cold runs evict the file from the page cache before each run (evict.py, POSIX_FADV_DONTNEED).
# SKIP_BUILD=1 uses the existing release binary; VMTRUST_BIN=path uses that binary. Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-2048}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
scratch=.build-release
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
out=${OUT:-bench-out/hash-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg); file: $file ($size_mib MiB)" | tee "$out/summary.txt"

# Same digest from all three.
ours=$("$bin" image hash "$file" 2>/dev/null | cut -d' ' -f1)
theirs=sha256:$(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)
[ "$ours" = "$theirs" ] || { echo "digest mismatch: $ours vs $theirs"; exit 1; }

echo "== warm (page cache)" | tee -a "$out/summary.txt"
cat "$file" >/dev/null
hyperfine -N --warmup 1 --runs "${RUNS:-10}" --export-markdown "$out/warm.md" \
    -n vmtrust "$bin image hash $file" \
    -n openssl "openssl dgst -sha256 $file" \
    -n sha256sum "sha256sum $file" 2>&1 | tee -a "$out/summary.txt"

echo "== cold (file evicted before each run)" | tee -a "$out/summary.txt"
hyperfine -N --runs "${COLD_RUNS:-5}" --export-markdown "$out/cold.md" \
    --prepare "python3 scripts/bench/evict.py $file" \
    -n vmtrust "$bin image hash $file" \
    -n openssl "openssl dgst -sha256 $file" 2>&1 | tee -a "$out/summary.txt"

echo "== max RSS (warm)" | tee -a "$out/summary.txt"
for cmd in "$bin image hash $file" "openssl dgst -sha256 $file"; do
    rss=$( (/usr/bin/time -v $cmd >/dev/null) 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
    echo "$(basename "${cmd%% *}"): max RSS ${rss} KiB" | tee -a "$out/summary.txt"
done
