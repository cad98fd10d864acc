#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A multi-threaded program whose eighth thread segfaults while seven others
# wait: the core holds one NT_PRSTATUS per thread, the crashing thread's
# first; the record lists every thread with its name and names the crashing
# thread's TID; the journal and coredumpctl show the process's PID.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

handler_via_kernel

EXTRA=8
crash_and_wait threads $EXTRA
assert_eq 139 "$CRASH_STATUS" "crasher died of SIGSEGV"
[ -n "$RECORD" ] || harness_done
ALL=$((EXTRA + 1))

verify_crash "$CRASH_PID" 11 "$ALL"

TID=$(rec "$CRASH_PID" .process.tid)
assert_ne "$CRASH_PID" "$TID" "record process.tid is the crashing thread, not the main thread"
assert_eq "$ALL" "$(rec "$CRASH_PID" '.process.threads | length')" "record lists every thread"
assert_eq "crash-thread" "$(rec "$CRASH_PID" ".process.threads[] | select(.tid == $TID) | .name")" \
    "record names the crashing thread"
assert_eq "crasher" "$(rec "$CRASH_PID" ".process.threads[] | select(.tid == $CRASH_PID) | .name")" \
    "record names the main thread"
for ((i = 0; i < EXTRA - 1; i++)); do
    assert_eq 1 "$(rec "$CRASH_PID" "[.process.threads[] | select(.name == \"worker-$i\")] | length")" \
        "record has thread worker-$i"
done
# The record's thread ids and the core's NT_PRSTATUS ids are the same set.
CORE_TIDS=$(kv tids "$(cat "$LOGDIR/check-core.$CRASH_PID")" | tr ',' '\n' | sort -n | tr '\n' ' ')
REC_TIDS=$(rec "$CRASH_PID" '.process.threads[].tid' | sort -n | tr '\n' ' ')
assert_eq "$CORE_TIDS" "$REC_TIDS" "record thread ids = core NT_PRSTATUS ids"
assert_match "State:[[:space:]]" "$(rec "$CRASH_PID" .process.proc.status)" "record keeps /proc/PID/status"
assert_match "Threads:[[:space:]]+$ALL" "$(rec "$CRASH_PID" .process.proc.status)" "record's status shows $ALL threads"
harness_done
