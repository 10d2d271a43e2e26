#!/usr/bin/env bash
# Replay benchmark (issue 5): times the real `vmtrust reputation replay` on a log of N entries.
#
#   scripts/bench/bench-replay.sh [N] [DIR]
#
# 1. Builds the release CLI (.build-release; skipped with SKIP_BUILD=1).
# 2. Unless DIR already holds a log of at least N entries: `vmtrust init --data DIR`, then the hidden
#    `vmtrust bench write-log --data DIR --records N`, which appends a synthetic, realistic stream of signed records
#    (providers, users, image versions, audits, vulnerability reports and fixes, policy decisions, feedback, triage,
#    certifications, incidents, rare parameter publications) in process through the same ledger and admission as
#    `vmtrust serve` (provenance rules, reputation engine, history copies), on a simulated clock, to DIR/ledger.sqlite.
#    A log with fewer entries is extended: the stream starts again from its seed and skips what is already logged.
# 3. Runs `vmtrust reputation replay --data DIR --json` under /usr/bin/time (wall, user and system CPU, peak RSS),
#    REPLAY_RUNS times (default 1). The JSON gives the phases (read, admit, reputation, compare) and `ok`.
#
# DIR defaults to bench-out/replay-N (kept, so that later runs reuse the log). REPLAY_FLAGS adds flags to the replay
# (e.g. "--check-rules" to run every admission rule again).
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-100000}"
DIR="${2:-bench-out/replay-$N}"
BIN="${VMTRUST_BIN:-.build-release/release/vmtrust}"
RUNS="${REPLAY_RUNS:-1}"

if [ -z "${SKIP_BUILD:-}" ]; then
    swift build -c release --scratch-path .build-release --product vmtrust >&2
fi
if [ ! -f "$DIR/vmtrust.json" ]; then
    mkdir -p "$(dirname "$DIR")"
    "$BIN" init --data "$DIR" --origin bench.vmtrust.local/log >&2
fi
/usr/bin/time -f "write-log: wall %e s, user %U s, sys %S s, max RSS %M KiB" \
    "$BIN" bench write-log --data "$DIR" --records "$N"
for run in $(seq 1 "$RUNS"); do
    # shellcheck disable=SC2086
    /usr/bin/time -f "replay $run: wall %e s, user %U s, sys %S s, max RSS %M KiB" \
        "$BIN" reputation replay --data "$DIR" --json ${REPLAY_FLAGS:-}
done
