#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A big core (64 MiB of random bytes, 256 MiB of touched zero pages, 16 MiB
# of text) goes through whole: it decompresses to every byte its program
# headers announce, the zero pages cost next to nothing on disk, and
# coredumpctl dumps it exactly.  Then the same with [Store] Compress=no: the
# core is stored as a plain file (no .zst), with its zero pages as holes, and
# coredumpctl info shows it.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

handler_via_kernel

MIB=$((1 << 20))
crash_and_wait --big=64:random --big=256:zero --big=16:text segv
assert_eq 139 "$CRASH_STATUS" "crasher died of SIGSEGV"
if [ -n "$RECORD" ]; then
    verify_crash "$CRASH_PID" 11
    SIZE=$(rec "$CRASH_PID" .core.size)
    STORED=$(rec "$CRASH_PID" .core.stored_size)
    assert_le $((336 * MIB)) "$SIZE" "core.size holds all 336 MiB"
    # Random bytes do not compress; the zero pages and the text nearly vanish.
    assert_le "$STORED" $((72 * MIB)) "stored bytes (the zero pages and text compressed away)"
    assert_le $((64 * MIB)) "$STORED" "stored bytes (the random part cannot shrink)"
fi

# Uncompressed, sparse.
config_set Store.Compress=no
crash_and_wait --big=32:random --big=256:zero segv
if [ -n "$RECORD" ]; then
    verify_record "$CRASH_PID" 11 present
    assert_eq none "$(rec "$CRASH_PID" .core.compression)" "record core.compression"
    CORE=$STORE/$(rec "$CRASH_PID" .core.file)
    assert_eq "$(basename "$RECORD" .json)" "$(basename "$CORE")" "an uncompressed core has no suffix"
    assert_file "$CORE" "stored core"
    if [ -f "$CORE" ]; then
        OUT=$("$CORONER_CHECK_CORE" "$CORE" 2>&1) || true
        assert_eq "$CRASH_PID" "$(kv pid "$OUT")" "core: NT_PRSTATUS pr_pid"
        assert_eq yes "$(kv complete "$OUT")" "core: complete"
        SIZE=$(stat -c %s "$CORE")
        ALLOCATED=$(($(stat -c %b "$CORE") * $(stat -c %B "$CORE")))
        assert_eq "$SIZE" "$(rec "$CRASH_PID" .core.size)" "record core.size"
        assert_le "$ALLOCATED" $((48 * MIB)) "allocated bytes (zero pages are holes)"
        assert_le $((288 * MIB)) "$SIZE" "apparent size holds all 288 MiB"
        # coredumpctl 252 cannot `dump` an uncompressed external core (it
        # always runs a decompressor on it), but `info` must show it.
        OUT=$(coredumpctl info --no-pager "$CRASH_PID" 2>&1) || true
        assert_contains "Storage: $CORE (present)" "$OUT" "coredumpctl info"
        E=$(journal_entry "$CRASH_PID")
        assert_eq "$CORE" "$(jfield "$E" COREDUMP_FILENAME)" "journal COREDUMP_FILENAME"
    fi
fi
assert_eq "" "$(store_leftovers | grep -v '^core\.[^/]*[0-9]$' || true)" "no temporary files left in the store"
harness_done
