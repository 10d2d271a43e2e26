#!/usr/bin/env bash
# A/B of POST /v1/authorize: runs scripts/bench/bench-authorize.sh DURATION 64 for each variant in turn, ROUNDS
# times (the variants alternate, so the host's drift falls on all of them), and prints one line per run: /healthz
# before/after, authorize rate, p99, server CPU per decision, machine idle, mean decisions per commit (b=) and mean
# commit in ms (c=), and the run's ratio authorize / /healthz.
#
#   scripts/bench/ab-authorize.sh ROUNDS DURATION "label|BINARY|ENV=value ENV2=value" ...
#
# BINARY is a release build of vmtrust (`swift build -c release --scratch-path .build-release --product vmtrust`,
# copied aside per commit); the environment (optional) is passed to the script and the server it starts. Each run's
# raw output stays in ${AB_OUT:-/tmp}/ab-LABEL-ROUND. Needs what bench-authorize.sh needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 3 ] || { echo "usage: $0 ROUNDS DURATION \"label|BINARY|ENV=…\" ..." >&2; exit 2; }
rounds=$1
duration=$2
shift 2
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2" | head -1; }
for round in $(seq "$rounds"); do
    for spec in "$@"; do
        IFS='|' read -r label bin envs <<<"$spec"
        out=${AB_OUT:-/tmp}/ab-$label-$round
        rm -rf "$out"
        # shellcheck disable=SC2086 # the environment is a list of words
        env $envs OUT="$out" VMTRUST_BIN="$bin" WARMUP=2 scripts/bench/bench-authorize.sh "$duration" 64 >"$out.log" 2>&1
        authorize=$(grep -A14 '^== authorize:' "$out/summary.txt")
        commits=$(sed -n 's/^decision commits: [0-9]*, mean \([0-9.]*\) decisions, mean \([0-9.]*\) ms.*/b=\1 c=\2/p' \
            "$out/summary.txt")
        echo "$(date +%H:%M:%S) $label r$round" \
            "triv $(field throughput_rps "$out/trivial.txt")/$(field throughput_rps "$out/trivial-again.txt")" \
            "auth $(field throughput_rps "$out/authorize.txt") p99 $(sed -n 's/^latency_p99_ms=//p' "$out/authorize.txt")" \
            "cpu $(field server_cpu_us_per_request <(echo "$authorize")) idle $(field machine_idle <(echo "$authorize"))" \
            "$commits ratio $(sed -n 's/.*= \([0-9.]*\)$/\1/p' "$out/summary.txt" | tail -1)"
    done
done
