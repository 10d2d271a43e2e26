#!/usr/bin/env bash
# Replay benchmark: writes a log of N random records (default 100,000) to a SQLite store through the ledger with the
# reputation admission, then times `LedgerReputationReplay` (what `vmtrust reputation replay` runs) and prints where
# the time goes (read, admit, reputation, compare) and the extrapolation to 1M entries.
#
#   scripts/bench/bench-replay.sh [N] [DIR]
#
# DIR keeps the SQLite file (default: a temporary directory). Release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-100000}"
DIR="${2:-$(mktemp -d)}"
VMTRUST_BENCH_REPLAY="$N" VMTRUST_BENCH_DIR="$DIR" \
    swift test -c release --filter ReplayBenchmarkTests 2>&1 | grep -E "replay-bench|passed|failed|error"
