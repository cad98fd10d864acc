#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh TARGET PROGRAM: one fuzz target for $CORONER_FUZZ_SECONDS (25 by
# default) from its seed corpus (made once by make-corpus.sh), in a working
# corpus of this run.  Fails when libFuzzer finds a crash, a hang (60 s per
# input, wall clock: generous, as a loaded machine can stall a process for
# seconds) or an out-of-memory (2 GiB); the input that did it is kept in
# corpus/TARGET/findings.
set -euo pipefail
target=$1 program=$2
here=$(cd "$(dirname "$0")" && pwd)
seconds=${CORONER_FUZZ_SECONDS:-25}
corpus=${CORONER_FUZZ_CORPUS:?}/$target
if [ ! -d "$corpus/seed" ] || [ -z "$(ls -A "$corpus/seed" 2>/dev/null)" ]; then
    rm -rf "$corpus/seed"
    "$here/make-corpus.sh" "$target" "$corpus/seed"
fi
mkdir -p "$corpus/work" "$corpus/findings"
log=$corpus/last-run.log
rc=0
nice "$program" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -max_len=1048576 \
    -print_final_stats=1 -artifact_prefix="$corpus/findings/" \
    "$corpus/work" "$corpus/seed" >"$log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "fuzz-$target: ${execs:-0} executions in ${seconds}s, exit $rc"
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz-$target: FAILED; the input is in $corpus/findings/"
    exit 1
fi
