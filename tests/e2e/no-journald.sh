#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The file store alone is complete, and the handler never waits long for
# journald:
#  1. no journald at all (no socket): the core and the record are stored and
#     the handler is done within a few seconds;
#  2. a journald that hangs (its socket exists, but nobody reads it and its
#     queue is full, so a send blocks): the handler gives up after
#     [Journal] Timeout and still stores everything.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# timed_crash MS WHAT: a crash whose handler must be done within MS ms, its record and core whole.
timed_crash() {
    local start elapsed
    start=$(ms_now)
    crash_and_wait segv
    elapsed=$(($(ms_now) - start))
    assert_le "$elapsed" "$1" "$2: ms from crash to handler exit"
    if [ -n "$RECORD" ]; then
        verify_record "$CRASH_PID" 11 present
        verify_core "$CRASH_PID" 11
    fi
}

store_config Journal.Timeout=2
core_pattern_use "$CORONER_HANDLER" "$CONFIG"

# 1. No journald.
[ ! -e /run/systemd/journal/socket ] || die "a journald socket is visible"
timed_crash 5000 "no journald"

# 2. A hung journald: the socket is bound, never read, and its queue is full.
mkdir -p /run/systemd/journal
/usr/bin/python3 - "$T/stuck-ready" <<'PY' 9>&- &
import os, signal, socket, sys, time
path = "/run/systemd/journal/socket"
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.bind(path)
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
client.connect(path)
client.setblocking(False)
sent = 0
try:
    while True:
        client.send(b"MESSAGE=filler\n")
        sent += 1
except BlockingIOError:
    pass
open(sys.argv[1], "w").write(str(sent))
while True:
    time.sleep(3600)
PY
STUCK_PID=$!
on_exit "kill -KILL $STUCK_PID 2>/dev/null; wait $STUCK_PID 2>/dev/null"
wait_for "[ -s '$T/stuck-ready' ]" 10 || die "the stuck journald stand-in did not fill its queue"
log "stuck journald: queue full after $(cat "$T/stuck-ready") datagrams"

timed_crash 8000 "hung journald (Timeout=2)"
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
harness_done
