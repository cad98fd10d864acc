#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerd in socket mode (core_pattern "@@PATH") or pipe mode (the handler's
# hand-off), through the real kernel: a crash is stored with its core, the
# record names the signal from the core's notes, and an unmodified coredumpctl
# lists it and reads its core.
#
# Usage: socket-mode.sh socket|pipe

source "$CORONER_TEST_LIB/harness.sh"
source "$CORONER_TEST_LIB/coronerd.sh"
MODE=${1:-socket}
TEST_NAME=coronerd-$MODE
harness_init "$@"

store_and_journal
coronerd_start
if [ "$MODE" = socket ]; then coronerd_socket_mode; else coronerd_pipe_mode; fi

crash_and_wait --as=4101:4101 segv
if [ "$MODE" = socket ]; then via="coredump socket"; else via="hand-off"; fi
assert_contains "PID $CRASH_PID (crasher, uid 4101): dumping ($via)" "$(cat "$LOGDIR/coronerd.log")" "coronerd took the crash"
assert_eq 11 "$(rec "$CRASH_PID" .signal.number)" "signal (socket mode: from the core's NT_SIGINFO)"
assert_eq SEGV "$(rec "$CRASH_PID" .signal.name)" "signal name"
assert_eq present "$(rec "$CRASH_PID" .core.state)" "core state"
assert_eq 4101 "$(rec "$CRASH_PID" .process.uid)" "uid"
assert_eq "$(readlink -f "$CORONER_CRASHER")" "$(rec "$CRASH_PID" .process.exe)" "exe"
core=$(core_path "$CRASH_PID")
assert_file "$core" "the core"
assert_cmd "the stored core is a valid ELF core" -- sh -c "zstd -dc '$core' >'$T/core' && '$CORONER_CHECK_CORE' '$T/core'"
assert_match '.+' "$(rec "$CRASH_PID" '.backtrace.threads[0].frames[0].function')" "a backtrace in the record"
assert_match '^/(usr/)?lib(64)?/.*libc\.so\.6$' \
    "$(rec "$CRASH_PID" '[.backtrace.threads[0].frames[].module | select(. != null and endswith("libc.so.6"))][0]')" \
    "the record names libc's frames by its full path"

entry=$(journal_entry "$CRASH_PID")
assert_eq 11 "$(jfield "$entry" COREDUMP_SIGNAL)" "journal COREDUMP_SIGNAL"
assert_eq "$core" "$(jfield "$entry" COREDUMP_FILENAME)" "journal COREDUMP_FILENAME"

list=$(coredumpctl --no-pager --no-legend list "$CRASH_PID" 2>&1 || true)
assert_contains "$CRASH_PID" "$list" "coredumpctl list"
assert_contains "present" "$list" "coredumpctl list shows the core present"
assert_cmd "coredumpctl dump writes the core" -- coredumpctl --no-pager -o "$T/dumped" dump "$CRASH_PID"
assert_cmd "coredumpctl's core is valid" -- "$CORONER_CHECK_CORE" "$T/dumped"

# Nothing of the crash is left running once it is stored.
sleep 0.5
assert_eq "" "$(coronerd_descendants | tr '\n' ' ')" "no worker left behind"
assert_eq "" "$(rec "$CRASH_PID" '.core.reason')" "no core reason"

harness_done
