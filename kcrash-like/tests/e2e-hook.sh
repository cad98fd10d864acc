#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A libcoroner-hook sample crasher dies of MODE through the real kernel and the
# real coroner-handler (tests/lib/harness.sh sets core_pattern, a private store
# and journald).  Besides what every crash must pass (store entry, core,
# journal, coredumpctl), the record carries the hook's metadata, the signal's
# si_code and fault address from the hook, and the core's NT_SIGINFO is the
# original signal's (the hook re-raised it with its siginfo intact).
#
# Usage: e2e-hook.sh MODE, with CORONER_HOOK_CRASHER and CORONER_HOOK_CRASHER_CXX
# naming the sample crashers (default: the build directory's).
MODE=${1:?usage: e2e-hook.sh MODE}
TEST_NAME=hook-$MODE
source "${CORONER_TEST_LIB:-$(dirname "$0")/../../tests/lib}/harness.sh"
case $MODE in
cxx-*) use_hook_crasher cxx ;;
*) use_hook_crasher ;;
esac
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

# Expected: signal, si_code ("" = not checked), address, threads in the core,
# the crashing thread's name ("" = one of crasher-a/b), the exception.  The
# process's comm (%e, the main thread's name) is always crasher-main.
SI_TKILL=-6
COMM=crasher-main
THREADS=1 THREAD=crasher-main CODE= ADDR= EXC_TYPE= EXC_WHAT= OVERFLOW=
case $MODE in
segv | emergency-save | save-timeout | prev-handler | init-twice) SIG=11 CODE=1 ADDR=0x10 ;;
abrt | crash-in-save) SIG=6 CODE=$SI_TKILL ;;
bus) SIG=7 CODE=2 ;;
fpe) SIG=8 CODE=1 ;;
ill) SIG=4 CODE=2 ;;
trap) SIG=5 CODE=128 ;;
sys) SIG=31 CODE=1 ;;
overflow-main) SIG=11 OVERFLOW=1 ;;
overflow-thread) SIG=11 THREADS=2 THREAD=crasher-deep OVERFLOW=1 ;;
overflow-thread-plain) SIG=11 THREADS=2 THREAD=crasher-plain OVERFLOW=1 ;;
two-threads) SIG=11 CODE=1 ADDR=0x10 THREADS=3 THREAD= ;;
annotation-race) SIG=11 CODE=$SI_TKILL THREADS=2 THREAD=crasher-racer ;;
fork-child) SIG=11 CODE=1 ADDR=0x10 ;;
cxx-exception) SIG=6 CODE=$SI_TKILL EXC_TYPE=demo::bad_answer EXC_WHAT="the answer is not 42" ;;
cxx-exception-thread) SIG=6 CODE=$SI_TKILL THREADS=2 EXC_TYPE=std::logic_error EXC_WHAT="thrown in a worker thread" ;;
*) die "unknown mode $MODE" ;;
esac

store_config
private_journal_start
core_pattern_use "$CORONER_HANDLER" "$CONFIG"

PID=
if [ "$MODE" = fork-child ]; then
    run_crasher "$MODE"
    # The crasher waits for its forked child, which crashes, and exits 128 + its signal.
    assert_eq $((128 + SIG)) "$CRASH_STATUS" "the crasher saw its child die of SIG$(signal_name $SIG)"
    PID=$(sed -n 's/^child \([0-9]*\) signal.*/\1/p' "$LOGDIR/crasher.$CRASH_PID.log")
    [ -n "$PID" ] || die "the crasher did not report its child's pid"
    wait_record "$PID" || harness_done
else
    crash_and_wait "$MODE"
    PID=$CRASH_PID
    assert_eq $((128 + SIG)) "$CRASH_STATUS" "crasher died of SIG$(signal_name $SIG)"
fi
[ -n "$RECORD" ] || harness_done

verify_record "$PID" "$SIG" present "$COMM"
verify_core "$PID" "$SIG" "$THREADS"
verify_journal "$PID" "$SIG" present "$COMM"
verify_coredumpctl "$PID" "$SIG" present "$COMM"

# The core holds the original siginfo, not the re-raise's (SI_TKILL).
if [ -n "$CODE" ]; then
    assert_eq "$SIG" "$(kv siginfo_signo "$(cat "$LOGDIR/check-core.$PID")")" "core: NT_SIGINFO si_signo"
    assert_eq "$CODE" "$(kv siginfo_code "$(cat "$LOGDIR/check-core.$PID")")" "core: NT_SIGINFO si_code is the original"
fi

# The region is ordinary process memory: the core holds it too.
# (grep -c reads everything: with -q, zstd would die of SIGPIPE under pipefail.)
assert_ne 0 "$(zstd -q -dc "$(core_path "$PID")" | grep -ac CRNRHOOK || true)" \
    "the core contains the hook's region (magic CRNRHOOK)"

# The hook's metadata.
assert_eq org.coroner.HookCrasher "$(rec "$PID" .app.app_id)" "record app.app_id"
assert_eq "Hook Crasher" "$(rec "$PID" .app.name)" "record app.name"
assert_eq 1.2.3 "$(rec "$PID" .app.version)" "record app.version"
assert_eq https://bugs.example.org/coroner "$(rec "$PID" .app.bug_address)" "record app.bug_address"
assert_eq https://0123456789abcdef0123456789abcdef@sentry.example.invalid/42 "$(rec "$PID" .app.dsn)" "record app.dsn"
assert_eq "$MODE" "$(rec "$PID" '.app.annotations[] | select(.key == "mode") | .value')" "record annotation mode"
assert_eq 42 "$(rec "$PID" '.app.annotations[] | select(.key == "answer") | .value')" "record annotation answer"
if [ "$MODE" != annotation-race ]; then
    assert_eq started "$(rec "$PID" '.app.breadcrumbs[0].message')" "record first breadcrumb"
    assert_eq "running mode $MODE" "$(rec "$PID" '.app.breadcrumbs[1].message')" "record second breadcrumb"
fi
assert_eq "$(printf 'line one\nline two\n' | base64 -w0)" \
    "$(rec "$PID" '.app.buffers[] | select(.name == "log") | .data_base64')" "record text buffer 'log'"
assert_eq true "$(rec "$PID" '.app.buffers[] | select(.name == "log") | .is_text')" "record buffer 'log' is text"
assert_eq "$(for i in $(seq 0 63); do printf "\\x$(printf %02x "$i")"; done | base64 -w0)" \
    "$(rec "$PID" '.app.buffers[] | select(.name == "state") | .data_base64')" "record binary buffer 'state'"
if [ -n "$THREAD" ]; then
    assert_eq "$THREAD" "$(rec "$PID" .app.crashed_thread_name)" "record app.crashed_thread_name"
else
    assert_match '^crasher-[ab]$' "$(rec "$PID" .app.crashed_thread_name)" "record app.crashed_thread_name"
fi
[ -z "$CODE" ] || assert_eq "$CODE" "$(rec "$PID" .signal.code)" "record signal.code (from the hook)"
[ -z "$ADDR" ] || assert_eq "$ADDR" "$(rec "$PID" .signal.address)" "record signal.address (from the hook)"
if [ -n "$OVERFLOW" ]; then
    # The hook ran on the thread's alternate stack: the fault's own code and
    # address, not the kernel's SI_KERNEL for a signal nobody could handle.
    assert_match '^(1|2)$' "$(rec "$PID" .signal.code)" "record signal.code: SEGV_MAPERR or SEGV_ACCERR"
    assert_match '^0x[0-9a-f]+$' "$(rec "$PID" .signal.address)" "record signal.address: the fault address"
    assert_eq "$(rec "$PID" .signal.code)" "$(kv siginfo_code "$(cat "$LOGDIR/check-core.$PID")")" \
        "core: NT_SIGINFO si_code is the fault's"
fi
if [ -n "$EXC_TYPE" ]; then
    assert_eq "$EXC_TYPE" "$(rec "$PID" .app.exception.type)" "record app.exception.type"
    assert_eq "$EXC_WHAT" "$(rec "$PID" .app.exception.what)" "record app.exception.what"
else
    assert_eq "" "$(rec "$PID" .app.exception)" "record has no exception"
fi

case $MODE in
fork-child)
    assert_eq child "$(rec "$PID" '.app.annotations[] | select(.key == "process") | .value')" \
        "record annotation set by the forked child"
    ;;
prev-handler)
    assert_contains "prev-handler 11" "$(cat "$LOGDIR/crasher.$CRASH_PID.log")" \
        "the handler installed before the hook ran"
    ;;
init-twice)
    assert_contains "second init: -114" "$(cat "$LOGDIR/crasher.$CRASH_PID.log")" \
        "the second coroner_hook_init() returned -EALREADY"
    ;;
emergency-save)
    assert_contains "emergency-save 11" "$(cat "$LOGDIR/crasher.$CRASH_PID.log")" \
        "the emergency save ran"
    ;;
esac
if [ "$MODE" = annotation-race ]; then
    # The racer may be stopped mid-update: the handler drops that slot and says so.
    assert_eq "" "$(rec "$PID" '[.errors[] | select(test("were being updated") | not)] | .[]')" \
        "record has no collection errors but dropped slots"
else
    assert_eq '[]' "$(rec "$PID" '.errors // []')" "record has no collection errors"
fi
harness_done
