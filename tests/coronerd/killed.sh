#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerd killed with SIGKILL in the middle of a dump: that one dump is lost,
# and only that one: the restarted coronerd records it as failed (from the
# in-progress mark), nothing of the dead one keeps running, and the next
# crash is stored as usual.

source "$CORONER_TEST_LIB/harness.sh"
source "$CORONER_TEST_LIB/coronerd.sh"
TEST_NAME=coronerd-killed
harness_init "$@"

store_config Store.MaxUse=infinity Store.KeepFree=0
private_journal_start
coronerd_start
coronerd_socket_mode

# A 512 MiB core of random bytes takes seconds to stream and compress.
"$CORONER_CRASHER" --big=512:random segv >/dev/null 2>&1 9>&- &
big=$!
for ((i = 0; i < 300; i++)); do
    compgen -G "$STORE/.in-progress/core.*.$big.*.json" >/dev/null && break
    sleep 0.1
done
assert_cmd "the dump is marked in progress" -- compgen -G "$STORE/.in-progress/core.*.$big.*.json"
sleep 0.5
workers=$(coronerd_descendants | tr '\n' ' ')
log "killing coronerd $CORONERD_PID mid-dump (its processes: $workers)"
kill -KILL "$CORONERD_PID"
wait "$CORONERD_PID" 2>/dev/null || true
CORONERD_PID=
wait "$big" 2>/dev/null || true
sleep 0.5
left=
# (A zombie waiting for init to reap it runs nothing.)
for p in $workers; do
    state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ] && left+="$p($state) "
done
assert_eq "" "$left" "nothing of the killed coronerd keeps running"

coronerd_start
RECORD=
for ((i = 0; i < 50; i++)); do RECORD=$(record_path "$big") && break; sleep 0.1; done
assert_eq missing "$(rec "$big" .core.state)" "the interrupted dump is recorded"
assert_contains "coronerd stopped" "$(rec "$big" .core.reason)" "recorded as failed, saying why"
assert_eq "" "$(rec "$big" .core.file)" "no partial core named"
assert_eq "" "$(ls "$STORE" | grep -v '\.json$' | grep "\.$big\." || true)" "no partial core stored"
assert_eq "" "$(ls -A "$STORE/.in-progress")" "no mark left"

crash_and_wait segv
assert_eq present "$(rec "$CRASH_PID" .core.state)" "the next crash is stored"

harness_done
