#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coroner-handler --install on this kernel (6.17 or later) with coronerd
# listening: auto picks socket mode ("@@SOCKET"), a crash goes through
# coronerd, and --uninstall restores exactly what was there.  Without coronerd
# listening, auto falls back to pipe mode.  --install runs in the initial
# mount namespace, where the kernel takes "@" patterns.

source "$CORONER_TEST_LIB/harness.sh"
source "$CORONER_TEST_LIB/coronerd.sh"
TEST_NAME=coronerd-install
harness_init "$@"

store_config
private_journal_start
coronerd_start
# Unusual values, so that "restored exactly" means something.
core_pattern_set "|/bin/false unusual %p pattern"
echo 7 >/proc/sys/kernel/core_pipe_limit
echo 0 >/proc/sys/fs/suid_dumpable
state=$CD/saved

in_init_ns() { nsenter --mount="/proc/self/fd/$HARNESS_INIT_MNT_FD" "$@"; }

mode=$(in_init_ns "$CORONER_HANDLER" --install --socket="$CD/k" --handoff="$CD/s" --state-file="$state" 2>"$LOGDIR/install.err") ||
    fail "--install failed" "$(cat "$LOGDIR/install.err")"
assert_eq socket "$mode" "auto picks socket mode"
assert_eq "@@$CD/k" "$(cat /proc/sys/kernel/core_pattern)" "core_pattern is coronerd's socket"
CURRENT_CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)

crash_and_wait --as=4101:4101 segv
assert_eq present "$(rec "$CRASH_PID" .core.state)" "a crash is stored through the installed pattern"
assert_contains "PID $CRASH_PID (crasher, uid 4101): dumping (coredump socket)" "$(cat "$LOGDIR/coronerd.log")" "by coronerd"

assert_cmd "--uninstall" -- in_init_ns "$CORONER_HANDLER" --uninstall --state-file="$state"
assert_eq "|/bin/false unusual %p pattern" "$(cat /proc/sys/kernel/core_pattern)" "core_pattern restored exactly"
assert_eq 7 "$(cat /proc/sys/kernel/core_pipe_limit)" "core_pipe_limit restored"
assert_eq 0 "$(cat /proc/sys/fs/suid_dumpable)" "suid_dumpable restored"

# Nobody listening: auto means pipe mode, handing off to the hand-off socket.
coronerd_stop
mode=$(in_init_ns "$CORONER_HANDLER" --install --socket="$CD/k" --handoff="$CD/s" --state-file="$state" 2>>"$LOGDIR/install.err") ||
    fail "--install failed" "$(cat "$LOGDIR/install.err")"
assert_eq pipe "$mode" "auto picks pipe mode when coronerd does not listen"
assert_match "^\|.*coroner-handler --handoff=$CD/s %P" "$(cat /proc/sys/kernel/core_pattern)" "the pipe pattern hands off"
assert_eq 0 "$(cat /proc/sys/kernel/core_pipe_limit)" "core_pipe_limit 0 in pipe mode"
assert_cmd "--uninstall" -- in_init_ns "$CORONER_HANDLER" --uninstall --state-file="$state"
assert_eq "|/bin/false unusual %p pattern" "$(cat /proc/sys/kernel/core_pattern)" "restored exactly again"
assert_eq 7 "$(cat /proc/sys/kernel/core_pipe_limit)" "core_pipe_limit restored again"

# Someone else changed the pattern after --install: --uninstall leaves theirs alone.
in_init_ns "$CORONER_HANDLER" --install --mode=pipe --handoff="$CD/s" --state-file="$state" >/dev/null
core_pattern_write "|/bin/true someone else"
if in_init_ns "$CORONER_HANDLER" --uninstall --state-file="$state" 2>"$LOGDIR/uninstall.err"; then
    fail "--uninstall restored over someone else's pattern"
else
    pass "--uninstall refuses when the pattern is no longer ours"
fi
assert_contains "no longer ours" "$(cat "$LOGDIR/uninstall.err")" "and says why"
assert_eq "|/bin/true someone else" "$(cat /proc/sys/kernel/core_pattern)" "their pattern stays"
CURRENT_CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)

harness_done
