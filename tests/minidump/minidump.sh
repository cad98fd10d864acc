#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl minidump through the real kernel, read by Breakpad's own tools
# (npm's minidump package: minidump_dump, minidump_stackwalk, dump_syms).
# A 64-thread crasher whose last thread segfaults goes through the kernel's
# core_pattern to coroner-handler; its minidump, written from the stack core
# and again from the full core, has every stream, 64 threads, SIGSEGV in the
# crashing thread the record names, the modules with their files' build-ids,
# and minidump_stackwalk, given dump_syms' symbols, names the crashing frame;
# so does one from a minimal core stored by an all-stacks recept.
# The environment (here a planted secret) is in it only when asked for, not
# even in the stack memory.  `coronerctl submit` with reporting.conf's
# Minidump=attach or only puts it in the report as an event.minidump
# attachment that @sentry/core's parser reads and Breakpad's tools read back.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
HARNESS_TOOLS+=(jq readelf node)
harness_init "$@"
: "${CORONERCTL:=$CORONER_BUILD_DIR/handler/coronerctl}"
: "${CORONER_MINIDUMP_NODE:=$CORONER_SOURCE_ROOT/tests/minidump/node}"
: "${CORONER_SENTRY_NODE:=$CORONER_SOURCE_ROOT/tests/sentry/node}"
BREAKPAD=$CORONER_MINIDUMP_NODE/node_modules/minidump/bin/linux-x64
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONERCTL" \
    "$BREAKPAD/minidump_dump" "$BREAKPAD/minidump_stackwalk" "$BREAKPAD/dump_syms"
[ -f "$CORONER_SENTRY_NODE/node_modules/@sentry/core/package.json" ] ||
    die "@sentry/core is not installed in $CORONER_SENTRY_NODE (run tools/bootstrap)"
SECRET=minidump-secret-$RANDOM$RANDOM

store_config
core_pattern_use "$CORONER_HANDLER" "$CONFIG"
CORONER_TEST_SECRET=$SECRET crash_and_wait threads 63
core_pattern_restore
assert_eq 139 "$CRASH_STATUS" "crasher died of SIGSEGV"
[ -n "$RECORD" ] || harness_done
ENTRY=$(basename "${RECORD%.json}")
assert_file "$STORE/$ENTRY.stack" "the handler kept a stack core"

ctl() { "$CORONERCTL" --store="$STORE" --no-journal "$@"; }
TID=$(rec "$CRASH_PID" .process.tid)
CRASHER=$(readlink -f "$CORONER_CRASHER")
build_id() { readelf -n "$1" | sed -n 's/^ *Build ID: *//p' | head -n 1; }
LIBC=$(awk '$6 ~ /\/libc\.so\.6$/ { print $6; exit }' <<<"$(rec "$CRASH_PID" .process.proc.maps)")
[ -n "$LIBC" ] || die "no libc.so.6 in the record's maps"

# dump_syms' symbols for the crasher, in the layout minidump_stackwalk reads.
SYMS=$T/symbols
"$BREAKPAD/dump_syms" "$CRASHER" >"$T/crasher.sym" 2>"$LOGDIR/dump_syms.log" || die "dump_syms failed: $(cat "$LOGDIR/dump_syms.log")"
read -r _ _ _ DEBUG_ID SYM_NAME <"$T/crasher.sym"
mkdir -p "$SYMS/$SYM_NAME/$DEBUG_ID"
mv "$T/crasher.sym" "$SYMS/$SYM_NAME/$DEBUG_ID/$SYM_NAME.sym"

# check_minidump FILE WHAT: what Breakpad's tools say about it.
check_minidump() {
    local dmp=$1 what=$2 rc=0
    "$BREAKPAD/minidump_dump" "$dmp" >"$LOGDIR/dump.$what" 2>"$LOGDIR/dump.$what.err" || rc=$?
    assert_eq 0 "$rc" "$what: minidump_dump reads every stream"
    local dump
    dump=$(cat "$LOGDIR/dump.$what")
    local s
    for s in MD_SYSTEM_INFO_STREAM MD_THREAD_LIST_STREAM MD_MODULE_LIST_STREAM MD_MEMORY_LIST_STREAM \
        MD_EXCEPTION_STREAM MD_MEMORY_INFO_LIST_STREAM MD_LINUX_CPU_INFO MD_LINUX_PROC_STATUS \
        MD_LINUX_LSB_RELEASE MD_LINUX_CMD_LINE MD_LINUX_AUXV MD_LINUX_MAPS; do
        assert_match "stream_type += 0x[0-9a-f]+ \($s\)" "$dump" "$what: has $s"
    done
    assert_not_contains "MD_LINUX_ENVIRON" "$dump" "$what: no environment without --environ"
    assert_eq 0 "$(grep -ac "$SECRET" "$dmp" || true)" "$what: the environment is not in the stack memory either"
    assert_match "thread_count += 64" "$dump" "$what: 64 threads"
    assert_match "exception_record.exception_code += 0xb" "$dump" "$what: exception is signal 11"
    assert_match "thread_id += $(printf '0x%x' "$TID")" "$(grep -A1 '^MDException' <<<"$dump")" \
        "$what: the exception names the crashing thread ($TID)"
    local ids
    ids=$(sed -n 's/^  (code_file) *= "\(.*\)"$/\1/p; s/^  (code_identifier) *= "\(.*\)"$/\1/p' <<<"$dump" | paste - -)
    assert_contains "$CRASHER	$(build_id "$CRASHER")" "$ids" "$what: the crasher's build-id"
    assert_contains "$LIBC	$(build_id "$LIBC")" "$ids" "$what: libc's build-id"

    rc=0
    "$BREAKPAD/minidump_stackwalk" "$dmp" "$SYMS" >"$LOGDIR/walk.$what" 2>"$LOGDIR/walk.$what.err" || rc=$?
    assert_eq 0 "$rc" "$what: minidump_stackwalk"
    local walk
    walk=$(cat "$LOGDIR/walk.$what")
    assert_match "Crash reason: +SIGSEGV" "$walk" "$what: stackwalk: SIGSEGV"
    assert_eq 64 "$(grep -c '^Thread [0-9]' <<<"$walk")" "$what: stackwalk: 64 threads"
    local frame0
    frame0=$(sed -n '/^Thread [0-9]* (crashed)/{n;p;q}' <<<"$walk")
    assert_match "^ 0  crasher!crash_segv " "$frame0" "$what: stackwalk: the crashing frame is crash_segv in the crasher"
    assert_match "^ 1  crasher!thread_main " "$(sed -n '/^Thread [0-9]* (crashed)/,/^$/p' <<<"$walk" | grep '^ 1  ')" \
        "$what: stackwalk: called from thread_main (call frame info)"
}

RC=0
ctl minidump "$CRASH_PID" -o "$T/stack.dmp" 2>"$LOGDIR/minidump.err" || RC=$?
assert_eq 0 "$RC" "coronerctl minidump (from the stack core)"
assert_eq 600 "$(stat -c %a "$T/stack.dmp")" "the minidump is private to its owner"
check_minidump "$T/stack.dmp" stack-core

# The same from the full core, decompressed.
mv "$STORE/$ENTRY.stack" "$T/stack-core"
RC=0
ctl minidump "$CRASH_PID" -o "$T/full.dmp" --environ 2>"$LOGDIR/minidump-full.err" || RC=$?
assert_eq 0 "$RC" "coronerctl minidump --environ (from the full core)"
"$BREAKPAD/minidump_dump" "$T/full.dmp" >"$LOGDIR/dump.environ" 2>/dev/null || true
assert_contains "MD_LINUX_ENVIRON" "$(cat "$LOGDIR/dump.environ")" "--environ adds the environment"
assert_ne 0 "$(grep -ac "$SECRET" "$T/full.dmp" || true)" "--environ: the planted variable is in the minidump"
sed -i '/MD_LINUX_ENVIRON/d' "$LOGDIR/dump.environ"
rm -f "$T/full-noenv.dmp"
ctl minidump "$CRASH_PID" -o "$T/full-noenv.dmp" 2>/dev/null || true
check_minidump "$T/full-noenv.dmp" full-core
mv "$T/stack-core" "$STORE/$ENTRY.stack"

# From a minimal core (an all-stacks recept with the modules' headers): the same checks.
cat >"$T/all-stacks.json" <<'EOF'
{
  "name": "all-stacks",
  "stacks": { "threads": "all", "max_size": "256K" },
  "modules": { "headers": true }
}
EOF
config_set "Store.Recept=$T/all-stacks.json"
core_pattern_use "$CORONER_HANDLER" "$CONFIG"
FIRST_PID=$CRASH_PID FIRST_RECORD=$RECORD FIRST_TID=$TID
CORONER_TEST_SECRET=$SECRET crash_and_wait threads 63
core_pattern_restore
if [ -n "$RECORD" ]; then
    assert_eq all-stacks "$(rec "$CRASH_PID" .core.minimal.recept)" "the second crash's core is minimal"
    MIN_ENTRY=$(basename "${RECORD%.json}")
    [ ! -e "$STORE/$MIN_ENTRY.stack" ] || mv "$STORE/$MIN_ENTRY.stack" "$T/min-stack-core"
    TID=$(rec "$CRASH_PID" .process.tid)
    RC=0
    ctl minidump "$CRASH_PID" -o "$T/minimal.dmp" 2>"$LOGDIR/minidump-minimal.err" || RC=$?
    assert_eq 0 "$RC" "coronerctl minidump (from the minimal core)"
    check_minidump "$T/minimal.dmp" minimal-core
fi
CRASH_PID=$FIRST_PID RECORD=$FIRST_RECORD TID=$FIRST_TID

# Sentry: the minidump in the report, besides our stack trace or instead of it.
export XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
mkdir -p "$XDG_CONFIG_HOME/coroner"
for mode in attach only; do
    printf '[Sentry]\nDSN=http://0123456789abcdef0123456789abcdef@127.0.0.1:9/42\nMinidump=%s\n' "$mode" >"$XDG_CONFIG_HOME/coroner/reporting.conf"
    RC=0
    ctl submit --dry-run "$CRASH_PID" >"$T/$mode.envelope" 2>"$LOGDIR/submit.$mode.err" || RC=$?
    assert_eq 0 "$RC" "submit --dry-run with Minidump=$mode"
    RC=0
    node "$CORONER_SENTRY_NODE/check-minidump-envelope.mjs" "$T/$mode.envelope" "$RECORD" "$T/$mode.dmp" "$mode" \
        >"$LOGDIR/envelope.$mode" 2>&1 || RC=$?
    assert_eq 0 "$RC" "Minidump=$mode: @sentry/core parses the envelope; one event.minidump attachment" "$(cat "$LOGDIR/envelope.$mode")"
    RC=0
    "$BREAKPAD/minidump_stackwalk" "$T/$mode.dmp" "$SYMS" >"$LOGDIR/walk.$mode" 2>/dev/null || RC=$?
    assert_match "Crash reason: +SIGSEGV" "$(cat "$LOGDIR/walk.$mode")" "Minidump=$mode: the attached minidump walks"
    assert_eq 0 "$(grep -ac "$SECRET" "$T/$mode.envelope" || true)" "Minidump=$mode: no environment in the report"
done
printf '[Sentry]\nDSN=http://0123456789abcdef0123456789abcdef@127.0.0.1:9/42\n' >"$XDG_CONFIG_HOME/coroner/reporting.conf"
ctl submit --dry-run "$CRASH_PID" >"$T/none.envelope" 2>/dev/null || true
assert_not_contains "event.minidump" "$(cat "$T/none.envelope")" "no minidump unless reporting.conf asks"

# Not onto a terminal; nothing for a crash without a core.
RC=0
script -qec "$(printf '%q ' "$CORONERCTL" --store="$STORE" --no-journal minidump "$CRASH_PID")" /dev/null </dev/null >"$LOGDIR/tty.out" 2>&1 || RC=$?
assert_contains "refusing to write a minidump to a terminal" "$(cat "$LOGDIR/tty.out")" "no minidump onto a terminal"
harness_done
