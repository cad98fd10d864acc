#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A local user crashes 20 processes and keeps every process of theirs
# SIGSTOPped for 15 s: nothing of coronerd's runs as that user, so a second
# user's crash is still stored within 10 s, and the first user's crashes are
# all accounted once they let go.
#
# Usage: stopped-user.sh socket|pipe

source "$CORONER_TEST_LIB/harness.sh"
source "$CORONER_TEST_LIB/coronerd.sh"
MODE=${1:-socket}
TEST_NAME=coronerd-stopped-user-$MODE
harness_init "$@"

store_config RateLimit.Burst=5 RateLimit.IntervalSec=5
private_journal_start
coronerd_start
if [ "$MODE" = socket ]; then coronerd_socket_mode; else coronerd_pipe_mode; fi

# uid 4101: 20 crashes, and a stopper that SIGSTOPs every process of 4101 for 15 s.
pids=()
for ((i = 0; i < 20; i++)); do
    setpriv --reuid=4101 --regid=4101 --clear-groups -- "$CORONER_CRASHER" --sleep=1 segv \
        >/dev/null 2>&1 9>&- &
    pids+=($!)
done
stop_user() {
    local until=$(($(date +%s) + 15)) p
    while [ "$(date +%s)" -lt "$until" ]; do
        for p in $(pgrep -u 4101 || true); do kill -STOP "$p" 2>/dev/null || true; done
        sleep 0.1
    done
    for p in $(pgrep -u 4101 || true); do kill -CONT "$p" 2>/dev/null || true; done
}
stop_user &
stopper=$!
on_exit "kill $stopper 2>/dev/null; for p in \$(pgrep -u 4101); do kill -CONT \$p; done"
sleep 3

# uid 4102 crashes while 4101's are stopped.
before=$(date +%s%N)
run_crasher --as=4102:4102 segv
other=$CRASH_PID
for ((i = 0; i < 100; i++)); do
    f=$(record_path "$other") && [ "$(jq -r .core.state "$f")" = present ] && break
    sleep 0.1
done
took=$((($(date +%s%N) - before) / 1000000))
assert_eq present "$(rec "$other" .core.state)" "the second user's crash is stored"
assert_le "$took" 10000 "within 10 s while the first user's processes are stopped (${took} ms)"
assert_cmd "the first user was still stopping all their processes meanwhile" -- kill -0 "$stopper"

wait "$stopper" 2>/dev/null || true
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
deadline=$(($(date +%s) + 30))
while :; do
    read -r stored without suppressed < <(count_records_of 4101)
    total=$((stored + without + suppressed))
    [ "$total" -ge 20 ] || [ "$(date +%s)" -ge "$deadline" ] && break
    sleep 0.5
done
log "uid 4101: stored $stored, without a core $without, suppressed $suppressed"
assert_eq 20 "$total" "the first user's 20 crashes are all accounted"
sleep 1
assert_eq "" "$(coronerd_descendants | tr '\n' ' ')" "no process of coronerd's left"

harness_done
