# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# coronerctl's tests: the e2e harness's assertions (tests/lib/harness.sh), plus
# crashes produced without touching kernel.core_pattern.
#
# A crash: the crasher runs under gdb until it takes its signal; gdb writes its
# core with gcore and keeps it stopped, alive, so that coroner-handler can read
# /proc/PID as it would for a kernel dump; the core goes to the handler on
# stdin with the kernel's arguments (PIDFD "-").
#
#   source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
#   ctl_init
#   gdb_crash segv; ingest 11; gdb_release
#   ctl_run list; assert_eq 0 "$RC" "list"

# shellcheck source=../lib/harness.sh
source "$CORONER_TEST_LIB/harness.sh"

: "${CORONERCTL:=$CORONER_BUILD_DIR/handler/coronerctl}"
# Fixed output: times in UTC, no pager or colour settings from the caller.
export TZ=UTC LC_ALL=C.UTF-8
unset SYSTEMD_PAGER PAGER NO_COLOR SYSTEMD_COLORS LESS

GDB_CRASHES=0

# ctl_init [TOOL...]: scratch directory $T, store $STORE, configuration
# $CONFIG (journal off), and $NOJOURNAL, an empty journal directory, so that
# the machine's own journal (with its own crashes) never leaks into a test.
ctl_init() {
    require_root gdb "$@"
    require_built "$CORONERCTL" "$CORONER_HANDLER" "$CORONER_CRASHER"
    harness_traps
    T=$(mktemp -d /tmp/cctl.XXXXXX)
    on_exit "save_artifacts; rm -rf '$T'"
    harness_scratch_dirs
    ctl_common_init
}

# ctl_init_namespace ARGS...: like ctl_init, but inside the e2e harness's
# private mount namespace (harness_init), where the machine's journal is
# hidden and a private journald can run.  Pass the script's "$@".
ctl_init_namespace() {
    HARNESS_TOOLS+=(gdb)
    harness_init "$@"
    require_built "$CORONERCTL" "$CORONER_HANDLER" "$CORONER_CRASHER"
    unset SYSTEMD_PAGER SYSTEMD_COLORS SYSTEMD_LESS
    ctl_common_init
}

ctl_common_init() {
    NOJOURNAL=$T/nojournal
    mkdir -p "$NOJOURNAL"
    printf '[Store]\nPath=%s\n[Journal]\nEnabled=no\n' "$STORE" >"$CONFIG"
}

# ctl ARGS...: coronerctl on the test's store, without any journal.
ctl() { "$CORONERCTL" --store="$STORE" --journal-directory="$NOJOURNAL" "$@"; }

# ctl_run ARGS...: runs ctl; sets OUT, ERR and RC (never fails).
ctl_run() {
    RC=0
    ctl "$@" >"$LOGDIR/ctl.out" 2>"$LOGDIR/ctl.err" || RC=$?
    OUT=$(cat "$LOGDIR/ctl.out")
    ERR=$(cat "$LOGDIR/ctl.err")
}

# on_tty COMMAND...: runs a command on a pseudo-terminal (util-linux script);
# prints what the terminal showed.
on_tty() {
    local cmd
    printf -v cmd '%q ' "$@"
    script -qec "$cmd" /dev/null </dev/null
}


# gdb_crash CRASHER-ARGS...: the crasher, stopped by gdb at its crash, its
# core in $CRASH_CORE; sets CRASH_PID.  gdb_release lets it die.
gdb_crash() {
    GDB_CRASHES=$((GDB_CRASHES + 1))
    GDB_DIR=$T/gdb.$GDB_CRASHES
    mkdir -p "$GDB_DIR"
    gdb -q -nx -batch -ex 'set startup-with-shell off' -ex run -ex "gcore $GDB_DIR/core" \
        -ex "shell touch $GDB_DIR/stopped; while [ ! -e $GDB_DIR/go ]; do sleep 0.1; done" \
        --args "$CORONER_CRASHER" "$@" >"$GDB_DIR/gdb.log" 2>&1 9>&- &
    GDB_PID=$!
    on_exit "touch '$GDB_DIR/go'; wait $GDB_PID 2>/dev/null"
    local i
    for ((i = 0; i < CORONER_TIMEOUT * 10; i++)); do
        [ -e "$GDB_DIR/stopped" ] && break
        kill -0 "$GDB_PID" 2>/dev/null || die "gdb exited early: $(cat "$GDB_DIR/gdb.log")"
        sleep 0.1
    done
    [ -e "$GDB_DIR/stopped" ] || die "the crasher did not crash under gdb: $(cat "$GDB_DIR/gdb.log")"
    CRASH_PID=$(pgrep -P "$GDB_PID" | head -n 1)
    CRASH_CORE=$GDB_DIR/core
    [ -n "$CRASH_PID" ] && [ -s "$CRASH_CORE" ] || die "no stopped crasher or no core: $(cat "$GDB_DIR/gdb.log")"
    log "crasher $* stopped at its crash: pid $CRASH_PID, core $(stat -c %s "$CRASH_CORE") bytes"
}

gdb_release() {
    touch "$GDB_DIR/go"
    wait "$GDB_PID" 2>/dev/null || true
}

# ingest SIGNAL [TIME [CONFIG]]: the stopped crash through coroner-handler,
# with the arguments the kernel passes (%P %u %g %s %t %c %h %d %F %I %e).
ingest() {
    local sig=$1 ts=${2:-$(date +%s)} config=${3:-$CONFIG} rc=0
    timeout 120 "$CORONER_HANDLER" --config="$config" "$CRASH_PID" 0 0 "$sig" "$ts" \
        18446744073709551615 "$(hostname)" 1 - "$CRASH_PID" crasher \
        <"$CRASH_CORE" >"$LOGDIR/handler.$CRASH_PID.log" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || fail "coroner-handler for pid $CRASH_PID exited $rc" "$(cat "$LOGDIR/handler.$CRASH_PID.log")"
    RECORD=$(record_path "$CRASH_PID") || die "no record for pid $CRASH_PID in $STORE"
}

# short_id ENTRY-ID: the first 8 hex digits of its SHA-256.
short_id() { printf '%s' "$1" | sha256sum | cut -c1-8; }

# entry_id RECORD-PATH
entry_id() { basename "${1%.json}"; }
