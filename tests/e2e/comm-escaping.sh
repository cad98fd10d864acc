#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Process names with slashes, dots, spaces and UTF-8, one cut by the kernel in
# the middle of a UTF-8 sequence, and one that looks like an option: the
# store's file names escape them exactly as systemd-coredump does (\xNN), the
# record stays valid JSON, the journal keeps the real name, and coredumpctl
# still lists, describes and dumps each crash.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

handler_via_kernel

# 1. Slash, dots, a space, and UTF-8 (é is 2 bytes): 11 bytes in all.
COMM=$'a/b.c d.\xc3\xa9!'
crash_and_wait --comm="$COMM" segv
assert_eq 139 "$CRASH_STATUS" "crasher died of SIGSEGV"
if [ -n "$RECORD" ]; then
    assert_eq 'core.a\x2fb\x2ec\x20d\x2e\xc3\xa9!' "$(basename "$RECORD" | cut -d. -f1-2)" \
        "file name escapes / . space and UTF-8 bytes"
    verify_record "$CRASH_PID" 11 present "$COMM"
    verify_core "$CRASH_PID" 11
    verify_journal "$CRASH_PID" 11 present "$COMM"
    verify_coredumpctl "$CRASH_PID" 11 present "$COMM"
fi

# 2. Nine é are 18 bytes; the kernel keeps 15, ending in half a character.
LONG=$'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'
CUT=$'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3'
crash_and_wait --comm="$LONG" segv
if [ -n "$RECORD" ]; then
    assert_eq "core.$(escape_comm "$CUT").0.$BOOT_ID.$CRASH_PID" "$(basename "$RECORD" | cut -d. -f1-5)" \
        "file name escapes every byte of the cut name"
    if jq -e . "$RECORD" >/dev/null 2>&1; then pass "record with a cut UTF-8 name is valid JSON"; else fail "record is not valid JSON"; fi
    assert_eq present "$(rec "$CRASH_PID" .core.state)" "record core.state"
    verify_core "$CRASH_PID" 11
    E=$(journal_entry "$CRASH_PID")
    assert_eq "$(printf '%s' "$CUT" | od -An -tx1)" "$(jfield "$E" COREDUMP_COMM | od -An -tx1)" \
        "journal COREDUMP_COMM keeps the kernel's 15 bytes"
    OUT=$(coredumpctl list --no-pager --no-legend "$CRASH_PID" 2>&1) || true
    assert_match "[[:space:]]${CRASH_PID}[[:space:]].*SIGSEGV[[:space:]]+present" "$OUT" "coredumpctl list"
    if coredumpctl dump --no-pager -o "$T/dumped" "$CRASH_PID" >/dev/null 2>&1 &&
        cmp -s "$T/dumped" <(zstd -q -dc "$(core_path "$CRASH_PID")"); then
        pass "coredumpctl dump returns the stored core"
    else
        fail "coredumpctl dump failed or differs"
    fi
fi

# 3. A name that looks like an option must not be taken for one.
EVIL=--config=/etc
crash_and_wait --comm="$EVIL" segv
if [ -n "$RECORD" ]; then
    assert_eq "$STORE" "$(dirname "$RECORD")" "stored in the configured store"
    verify_record "$CRASH_PID" 11 present "$EVIL"
    verify_journal "$CRASH_PID" 11 present "$EVIL"
fi
# 4. A backslash and a tab: systemd escapes both (\x5c, \x09).
ODD=$'back\\sl\tash'
crash_and_wait --comm="$ODD" segv
if [ -n "$RECORD" ]; then
    assert_eq 'core.back\x5csl\x09ash' "$(basename "$RECORD" | cut -d. -f1-2)" "file name escapes a backslash and a tab"
    verify_record "$CRASH_PID" 11 present "$ODD"
    verify_journal "$CRASH_PID" 11 present "$ODD"
    verify_coredumpctl "$CRASH_PID" 11 present "$ODD"
fi
# 5. Bytes that are no UTF-8 at all in the name and in the executable's path:
# the record stays valid JSON (each such byte written \xNN, recoverable), and
# the backtrace is still made.
BAD=$'bad\xff\xfe'
mkdir -p "$T/bin"
BADEXE=$T/bin/$'crash\xffer'
cp "$CORONER_CRASHER" "$BADEXE"
CORONER_CRASHER_SAVED=$CORONER_CRASHER
CORONER_CRASHER=$BADEXE
crash_and_wait --comm="$BAD" segv
CORONER_CRASHER=$CORONER_CRASHER_SAVED
if [ -n "$RECORD" ]; then
    if jq -e . "$RECORD" >/dev/null 2>&1; then pass "5: record with invalid UTF-8 is valid JSON"; else fail "5: record is not valid JSON"; fi
    assert_eq 'bad\xff\xfe' "$(rec "$CRASH_PID" .process.comm)" "5: the comm's invalid bytes written as \\xNN"
    assert_eq "$T/bin/crash\xffer" "$(rec "$CRASH_PID" .process.exe)" "5: the exe's invalid byte written as \\xNN"
    assert_ne 0 "$(rec "$CRASH_PID" '.backtrace.threads | length')" "5: the backtrace was made"
    assert_eq "" "$(rec "$CRASH_PID" .backtrace.error)" "5: no backtrace error"
else
    fail "5: no record for a crash with an invalid UTF-8 name"
fi
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
harness_done
