#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl dump-live: a core of a running 9-thread process, full and
# minimal by a recept; unmodified eu-stack and gdb unwind every thread of
# both, and the process runs on untraced (a SIGTERM still ends it, which it
# would not if it were left stopped).
source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
ctl_init eu-stack

"$CORONER_CRASHER" live 8 >"$T/ready" 2>&1 &
LIVE=$!
on_exit "kill -KILL $LIVE 2>/dev/null || true"
for _ in $(seq 100); do grep -q ready "$T/ready" && break; sleep 0.1; done
assert_contains "ready $LIVE" "$(cat "$T/ready")" "the live process is ready"

# unwound CORE: eu-stack's thread count and how many threads are in pause().
unwound() {
    local out
    out=$(timeout 60 eu-stack --core "$1" -e "$CORONER_CRASHER" 2>&1 || true)
    printf '%s %s\n' "$(grep -c '^TID ' <<<"$out")" "$(grep -c ' pause$' <<<"$out")"
}

ctl_run dump-live -o "$T/full.core" "$LIVE"
assert_eq 0 "$RC" "dump-live writes a full core ($ERR)"
assert_eq "9 9" "$(unwound "$T/full.core")" "eu-stack: 9 threads, each in pause()"
GDB=$(timeout 60 gdb -batch -nx -ex 'thread apply all bt' "$CORONER_CRASHER" "$T/full.core" 2>&1 || true)
assert_eq 8 "$(grep -c ' in live_thread (' <<<"$GDB")" "gdb: the 8 workers in live_thread"
assert_contains " in live_threads (count=8)" "$GDB" "gdb: the main thread with its argument"
assert_contains "SIGSTOP" "$GDB" "gdb: the dump says SIGSTOP"

printf '{"name":"live-stacks","modules":{"data":true}}\n' >"$T/stacks.json"
ctl_run dump-live --recept="$T/stacks.json" -o "$T/min.core" "$LIVE"
assert_eq 0 "$RC" "dump-live by a recept ($ERR)"
assert_le "$(stat -c %s "$T/min.core")" "$(($(stat -c %s "$T/full.core") / 10))" \
    "the minimal core is a tenth of the full one at most"
assert_eq "9 9" "$(unwound "$T/min.core")" "eu-stack on the minimal core: 9 threads in pause()"
assert_contains '"recept":"live-stacks"' "$(strings "$T/min.core" | grep -m1 '"recept"')" \
    "the minimal core names its recept"

assert_eq "0" "$(awk '/^TracerPid:/ { print $2 }' "/proc/$LIVE/status")" "no tracer is left"
assert_match '^[RS]$' "$(awk '/^State:/ { print $2 }' "/proc/$LIVE/status")" "the process runs on"
kill -TERM "$LIVE"
STATUS=0
timeout 10 tail --pid="$LIVE" -f /dev/null || true
wait "$LIVE" 2>/dev/null || STATUS=$?
assert_eq 143 "$STATUS" "a SIGTERM ends it: it was not left stopped"

ctl_run dump-live -o "$T/gone.core" "$LIVE"
assert_eq 3 "$RC" "dump-live of a process that has gone fails"
assert_no_file "$T/gone.core" "no half core is left"
ctl_run dump-live
assert_eq 2 "$RC" "dump-live without a process id is a usage error"
harness_done
