#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerd killed with SIGKILL in the middle of a dump: nothing of the dead
# one keeps running, the restarted coronerd accounts for that dump from its
# in-progress mark, and the next crash is stored as usual.  Killed while the
# core streamed, the dump is recorded as failed and no partial core stays;
# killed after the core was stored (during the backtrace), the whole core is
# kept and named.  Which of the two a kill hits depends on the machine's
# speed, so the second is also made to happen for certain: a stored crash
# whose record is gone and whose mark is still there.

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
core_files=$(ls "$STORE" | grep -v '\.json$' | grep "\.$big\." || true)
if [ "$(rec "$big" .core.state)" = missing ]; then
    log "the kill came while the core streamed"
    assert_contains "coronerd stopped" "$(rec "$big" .core.reason)" "recorded as failed, saying why"
    assert_eq "" "$(rec "$big" .core.file)" "no partial core named"
    assert_eq "" "$core_files" "no partial core stored"
else
    log "the kill came after the core was stored"
    assert_eq present "$(rec "$big" .core.state)" "the stored core is recorded"
    assert_ne "" "$(rec "$big" .core.file)" "the stored core is named"
    assert_contains "$(rec "$big" .core.file)" "$core_files" "the named core is the one stored"
    assert_cmd "the named core is whole" -- zstd -tq "$STORE/$(rec "$big" .core.file)"
fi
assert_eq "" "$(ls -A "$STORE/.in-progress")" "no mark left"

crash_and_wait segv
assert_eq present "$(rec "$CRASH_PID" .core.state)" "the next crash is stored"

# Killed after the core was stored and before the record: the core is kept.
coronerd_stop
record=$(record_path "$CRASH_PID")
core=$STORE/$(rec "$CRASH_PID" .core.file)
mv "$record" "$STORE/.in-progress/"
coronerd_start
for ((i = 0; i < 50; i++)); do [ -e "$record" ] && break; sleep 0.1; done
assert_eq present "$(rec "$CRASH_PID" .core.state)" "a core stored before the kill is recorded as present"
assert_eq "${core##*/}" "$(rec "$CRASH_PID" .core.file)" "and named"
assert_contains "before its record was written" "$(rec "$CRASH_PID" '.errors | join(" ")')" \
    "the record says what happened"
assert_file "$core" "the core is kept"
assert_eq "" "$(ls -A "$STORE/.in-progress")" "no mark left"

harness_done
