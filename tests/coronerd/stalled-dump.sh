#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Dumps that stall mid-way end at DumpTimeoutSec=5.  The crashed process
# maps a file on a FUSE file system (stall-fs) without touching it, and its
# coredump_filter asks for file-backed mappings, so the kernel reads the file
# while dumping, after the notes went out.
#
#  * The file drips (each 128 KiB read answered after 2 s; the whole file
#    would take 17 min): the crashed process is released and reaped within
#    15 s, its record says the core is truncated at the deadline, the partial
#    core is a whole zstd stream, and the next crash is stored as usual.
#  * The file never answers: the kernel waits for the read uninterruptibly,
#    where neither a closed socket nor SIGKILL reaches it.  coronerd still
#    ends the dump at the deadline (record truncated, next crash stored while
#    the first process is held) and leaves SIGKILL pending on the process,
#    which dies of it the moment the file system lets go.
#
# In socket and pipe mode coronerd takes the dump; in handler mode the pipe
# handler works alone (no coronerd), with the same deadline.
#
# Usage: stalled-dump.sh socket|pipe|handler

source "$CORONER_TEST_LIB/harness.sh"
source "$CORONER_TEST_LIB/coronerd.sh"
MODE=${1:-socket}
TEST_NAME=coronerd-stalled-dump-$MODE
: "${CORONER_STALL_FS:=$CORONER_BUILD_DIR/tests/programs/stall-fs}"
harness_init "$@"
require_built "$CORONER_STALL_FS"

# stall_fs_start VAR DIR [--delay=S]: mounts stall-fs on $T/DIR (in this
# test's mount namespace, which the crashers share); its pid goes in VAR.
stall_fs_start() {
    local var=$1 dir=$T/$2
    shift 2
    mkdir -p "$dir"
    "$CORONER_STALL_FS" "$@" "$dir" "$dir.ready" >"$LOGDIR/${dir##*/}.log" 2>&1 9>&- &
    printf -v "$var" '%s' "$!"
    # Its death fails every read still waiting; the lazy unmount covers a server that died early.
    on_exit "stop_process $var KILL 50; umount -l '$dir' 2>/dev/null"
    wait_for "[ -e '$dir.ready' ]" 10 || die "stall-fs did not mount $dir: $(cat "$LOGDIR/${dir##*/}.log")"
    [ "$(stat -c %s "$dir/stall")" -gt 0 ] || die "stall-fs: no file to map in $dir"
}

# ms_since NANOSECONDS: milliseconds since that `date +%s%N`.
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# sigkill_pending PID: SIGKILL is pending on PID's dumping thread (or the whole process).
sigkill_pending() {
    local p
    for p in $(awk '/^(SigPnd|ShdPnd):/ {print $2}' "/proc/$1/status" 2>/dev/null); do
        (((0x$p >> 8) & 1)) && return 0
    done
    return 1
}

store_config Service.DumpTimeoutSec=5
private_journal_start
stall_fs_start DRIP_PID drip --delay=2
stall_fs_start STALL_PID stall
case $MODE in
socket) coronerd_start && coronerd_socket_mode ;;
pipe) coronerd_start && coronerd_pipe_mode ;;
handler) core_pattern_use "$CORONER_HANDLER" "$CONFIG" ;;
*) die "unknown mode $MODE" ;;
esac

# left_running PID: what of ours still runs for a crash (coronerd's workers, or PID's handler).
left_running() {
    if [ "$MODE" = handler ]; then
        handler_running "$1" && echo "coroner-handler for $1" || true
    else
        coronerd_descendants | tr '\n' ' '
    fi
}

log "a dump that drips"
before=$(date +%s%N)
run_crasher --as=4101:4101 --map-unread="$T/drip/stall" segv
took=$(ms_since "$before")
assert_le "$took" 15000 "the crashed process was released and reaped within 15 s (${took} ms)"
assert_contains "read " "$(cat "$LOGDIR/drip.log")" "the kernel read the dripping file while dumping"
wait_record "$CRASH_PID" 15 || true
assert_eq truncated "$(rec "$CRASH_PID" .core.state)" "the core is marked truncated"
assert_contains "deadline (DumpTimeoutSec)" "$(rec "$CRASH_PID" .core.reason)" "the reason names the dump deadline"
core=$(core_path "$CRASH_PID")
assert_file "$core" "the partial core is stored"
assert_cmd "the partial core is a whole zstd stream" -- zstd -tq "$core"
assert_eq 7f454c46 "$(zstd -dc "$core" 2>/dev/null | head -c 4 | od -An -tx1 | tr -d ' \n')" \
    "the partial core starts as an ELF file"
assert_le 1 "$(rec "$CRASH_PID" .core.size)" "the record counts the bytes kept"

crash_and_wait --as=4101:4101 segv
assert_eq present "$(rec "$CRASH_PID" .core.state)" "the next crash is stored"
assert_cmd "its core is whole" -- zstd -tq "$(core_path "$CRASH_PID")"

log "a dump that never goes on"
before=$(date +%s%N)
setpriv --reuid=4101 --regid=4101 --clear-groups -- \
    "$CORONER_CRASHER" --map-unread="$T/stall/stall" segv >"$LOGDIR/crasher.stalled.log" 2>&1 9>&- &
held=$!
on_exit "kill -KILL $held 2>/dev/null"
wait_for "f=\$(record_path $held) && [ -n \"\$(jq -r '.core.state // empty' \"\$f\")\" ]" 15 || true
took=$(ms_since "$before")
assert_le "$took" 15000 "the dump ended within 15 s with a record (${took} ms)"
assert_eq truncated "$(rec "$held" .core.state)" "the core is marked truncated"
assert_contains "deadline (DumpTimeoutSec)" "$(rec "$held" .core.reason)" "the reason names the dump deadline"
assert_cmd "the partial core is a whole zstd stream" -- zstd -tq "$(core_path "$held")"
assert_contains "read " "$(cat "$LOGDIR/stall.log")" "the kernel is waiting for the stalled file"
assert_cmd "the kernel still holds the process" -- kill -0 "$held"
wait_for "sigkill_pending $held" 5 || true
assert_cmd "the deadline left SIGKILL pending on it" -- sigkill_pending "$held"
crash_and_wait segv
assert_eq present "$(rec "$CRASH_PID" .core.state)" "a crash meanwhile is stored"
sleep 0.5
assert_eq "" "$(left_running "$held")" "nothing of ours left running"

stop_process STALL_PID KILL 0
status=0
timeout 5 tail --pid="$held" -f /dev/null || true
wait "$held" 2>/dev/null || status=$?
assert_eq $((128 + 9)) "$status" "once the file system lets go, the process dies of the pending SIGKILL"

harness_done
