#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coroner-handler --install --mode=pipe points the live kernel at the handler
# (pattern, pipe limit, suid_dumpable) and saves what was there; --uninstall puts back
# exactly those values, even unusual ones; a second --install keeps the first
# save; --uninstall without an --install fails clearly and changes nothing.
TEST_NAME=install
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER"

# The harness saves and restores the real values around the whole test.
core_pattern_set "|/bin/false unusual %p pattern"
echo 3 >/proc/sys/kernel/core_pipe_limit
echo 0 >/proc/sys/fs/suid_dumpable
state=$T/saved-sysctl

run_handler --state-file="$state" --mode=pipe --handoff=/run/t/s --install
assert_eq 0 "$HANDLER_RC" "--install exits 0"
assert_eq "|$(readlink -f "$CORONER_HANDLER") --handoff=/run/t/s %P %u %g %s %t %c %h %d %F %I %e" \
  "$(cat /proc/sys/kernel/core_pattern)" "core_pattern points at this handler"
assert_eq 0 "$(cat /proc/sys/kernel/core_pipe_limit)" "core_pipe_limit set (0: the handler hands off at once)"
assert_eq 2 "$(cat /proc/sys/fs/suid_dumpable)" "suid_dumpable set"
assert_file "$state" "previous values saved"

# Installing again must not overwrite the saved originals with our own values.
run_handler --state-file="$state" --mode=pipe --install
assert_eq 0 "$HANDLER_RC" "second --install exits 0"

run_handler --state-file="$state" --uninstall
assert_eq 0 "$HANDLER_RC" "--uninstall exits 0"
assert_eq "|/bin/false unusual %p pattern" "$(cat /proc/sys/kernel/core_pattern)" "core_pattern restored exactly"
assert_eq 3 "$(cat /proc/sys/kernel/core_pipe_limit)" "core_pipe_limit restored"
assert_eq 0 "$(cat /proc/sys/fs/suid_dumpable)" "suid_dumpable restored"
assert_no_file "$state" "saved values removed after restoring"

run_handler --state-file="$state" --uninstall
assert_ne 0 "$HANDLER_RC" "--uninstall without --install fails"
assert_contains "nothing to restore" "$HANDLER_STDERR" "and says why"
assert_eq "|/bin/false unusual %p pattern" "$(cat /proc/sys/kernel/core_pattern)" "and changes nothing"
harness_done
