#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A configuration with bad values (a valid [Store] Path, but Compress=maybe,
# MaxUse=lots, Timeout=soon): each bad key is reported (stderr by hand, the
# kernel log through the kernel, and the record's errors) and replaced by its
# default; the crash is stored as usual.  A file that is not a key file at
# all is reported and the built-in defaults are used, including the default
# store (covered here by a private overlay, so the machine's is untouched).
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE" "$CORONER_WITH_PIDFD"

store_config Store.Compress=maybe Store.MaxUse=lots Journal.Timeout=soon
private_journal_start
make_real_core "$T/real.core" segv
start_sleeper

check_bad_keys() {
    local what=$1 text=$2
    assert_match 'Compress.*maybe' "$text" "$what: names Compress=maybe"
    assert_match 'MaxUse.*lots' "$text" "$what: names MaxUse=lots"
    assert_match 'Timeout.*soon' "$text" "$what: names Timeout=soon"
}

# 1. By hand: stderr.
mapfile -t ARGS < <(kernel_args "$SLEEPER_PID" 11 3 crasher)
run_handler --stdin="$T/real.core" --pidfd="$SLEEPER_PID" --config="$CONFIG" "${ARGS[@]}"
assert_eq 0 "$HANDLER_RC" "handler exit status"
check_bad_keys stderr "$HANDLER_STDERR"
assert_contains "$CONFIG" "$HANDLER_STDERR" "stderr names the configuration file"
if wait_record "$SLEEPER_PID" 5; then
    check_bad_keys "record errors" "$(rec "$SLEEPER_PID" '.errors | join("\n")')"
    assert_eq present "$(rec "$SLEEPER_PID" .core.state)" "record core.state"
    assert_eq zstd "$(rec "$SLEEPER_PID" .core.compression)" "Compress falls back to its default (yes)"
    CORE=$(core_path "$SLEEPER_PID")
    assert_cmd "the stored core is the real core" -- cmp "$T/real.core" <(zstd -q -dc "$CORE")
fi

# 2. Through the kernel: the kernel log.
core_pattern_use "$CORONER_HANDLER" "$CONFIG"
kmsg_mark
crash_and_wait segv
if [ -n "$RECORD" ]; then
    verify_record "$CRASH_PID" 11 present
    verify_core "$CRASH_PID" 11
    verify_journal "$CRASH_PID" 11 present
fi
check_bad_keys "kernel log" "$(kmsg_since | grep coroner-handler || true)"

# 3. Not a key file at all: defaults, including the default store.
DEFAULT_STORE=$(sed -n 's/^#define CORONER_DEFAULT_STORE "\(.*\)"$/\1/p' "$CORONER_BUILD_DIR/build-config.h")
[ -n "$DEFAULT_STORE" ] || die "cannot find CORONER_DEFAULT_STORE in $CORONER_BUILD_DIR/build-config.h"
private_dir "$DEFAULT_STORE"
printf 'this is [not a key file\n\x01\x02\n' >"$T/broken.conf"
TS=$(($(date +%s) + 5))
mapfile -t ARGS < <(kernel_args "$SLEEPER_PID" 11 3 crasher "$TS")
run_handler --stdin="$T/real.core" --pidfd="$SLEEPER_PID" --config="$T/broken.conf" "${ARGS[@]}"
assert_eq 0 "$HANDLER_RC" "broken file: handler exit status"
assert_contains "$T/broken.conf" "$HANDLER_STDERR" "broken file: stderr names it"
NAME=core.crasher.0.$BOOT_ID.$SLEEPER_PID.${TS}000000
assert_file "$DEFAULT_STORE/$NAME.json" "broken file: record in the default store"
assert_file "$DEFAULT_STORE/$NAME.zst" "broken file: core in the default store"
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
harness_done
