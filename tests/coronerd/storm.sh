#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A storm of 100 simultaneous crashes of one program through the real kernel,
# in socket or pipe mode: every one is accounted (stored, recorded without a
# core, or counted in the storm summary's "suppressed"), within 30 s, and
# nothing coronerd started is left running.
#
# Usage: storm.sh socket|pipe

source "$CORONER_TEST_LIB/harness.sh"
source "$CORONER_TEST_LIB/coronerd.sh"
MODE=${1:-socket}
TEST_NAME=coronerd-storm-$MODE
harness_init "$@"
N=100

store_config Service.MaxConcurrent=2 Service.QueueMax=16 RateLimit.Burst=5 RateLimit.IntervalSec=5 \
    RateLimit.GlobalBurst=20
private_journal_start
coronerd_start
if [ "$MODE" = socket ]; then coronerd_socket_mode; else coronerd_pipe_mode; fi

# All of them sleep until the same second, then crash.
start=$(date +%s%N)
pids=()
for ((i = 0; i < N; i++)); do
    setpriv --reuid=4101 --regid=4101 --clear-groups -- "$CORONER_CRASHER" --sleep=3 segv \
        >/dev/null 2>&1 9>&- &
    pids+=($!)
done
launched=$(date +%s%N)
log "$N crashers started in $(((launched - start) / 1000000)) ms"
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
log "all $N crashers are gone after $((($(date +%s%N) - start) / 1000000)) ms"

deadline=$(($(date +%s) + 30))
while :; do
    read -r stored without suppressed < <(count_records_of 4101)
    total=$((stored + without + suppressed))
    [ "$total" -ge "$N" ] && break
    [ "$(date +%s)" -ge "$deadline" ] && break
    sleep 0.5
done
# From the moment the last one crashed (it slept 3 s after it started).
elapsed=$((($(date +%s%N) - launched) / 1000000 - 3000))
log "stored $stored, records without a core $without, suppressed $suppressed (${elapsed} ms after the crashes)"
assert_le "$elapsed" 30000 "all accounted within 30 s"
assert_eq "$N" "$total" "every crash accounted (stored + without core + suppressed)"
assert_le 1 "$stored" "some crashes stored with their core"
assert_le 1 "$suppressed" "a storm summary counts the rest"

summary=$(jq -r 'select(.suppressed > 0) | .suppressed_window.start_usec <= .suppressed_window.end_usec' \
    "$STORE"/core.*.4101.*.json | head -n 1)
assert_eq true "$summary" "the summary has its window"
journal_sync
storm=$(journalctl --no-pager -o json MESSAGE_ID=b1e2a43c9f8d4c0e8a6f7d3e2c1b0a99 2>/dev/null | tail -n 1)
assert_contains '"CORONER_SUPPRESSED"' "$storm" "the storm summary's journal entry"

# coronerctl shows the summary, and --json counts what it stands for.
listing=$("$CORONERCTL" --store="$STORE" --no-pager list 2>&1 || true)
assert_match "and [0-9]+ more crashes of $(readlink -f "$CORONER_CRASHER") suppressed" "$listing" "coronerctl list shows the storm summary"
json_sum=$("$CORONERCTL" --store="$STORE" --json=short list 2>/dev/null |
    jq --arg exe "$(readlink -f "$CORONER_CRASHER")" '[.[] | select(.uid == 4101 and .exe == $exe) | .suppressed] | add')
assert_eq "$suppressed" "$json_sum" "coronerctl list --json: suppressed"

# Nothing left behind: no worker, no parser, no process of the crashing user.
sleep 1
assert_eq "" "$(coronerd_descendants | tr '\n' ' ')" "no process of coronerd's left"
assert_eq "" "$(pgrep -u 4101 | tr '\n' ' ')" "no process of the crashing user left"
assert_eq "" "$(ls -A "$STORE/.in-progress")" "no dump marked in progress"

harness_done
