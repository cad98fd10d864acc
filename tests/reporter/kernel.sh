#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Through the real kernel: a program segfaults, kernel.core_pattern pipes its
# core to coroner-handler (tests/lib/harness.sh: serialized with every other
# core_pattern user, restored afterwards, a private journald), and the
# reporter, started as at login, reads the crash from the store and from the
# journal (one crash, merged by id), announces it and shows the crasher's
# own functions in the backtrace.
TEST_NAME=reporter-kernel
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_REPORTER"
handler_via_kernel

session_init
export CORONER_REPORTER_JOURNAL=yes
session_start

crash_and_wait segv
[ -n "$RECORD" ] || die "no record: the kernel path is broken, see the e2e suite"
journal_sync
[ -n "$(journal_entry "$CRASH_PID")" ] && pass "the handler's journal entry is there" || fail "no journal entry"

login
assert_contains "picked up 1 crashes (1 new)" "$(grep 'picked up' "$LOGDIR/reporter.log" | tail -n 1)" \
    "store and journal give one crash"
wait_notifications 1 || fail "no notification for the kernel's crash"
assert_eq "Test Crasher crashed" "$(last_notification | jq -r .summary)" "notification names the application"
screenshot notification Dunst 8
invoke_default
a11y wait-window "Crash Reports" 60 || fail "no window"
a11y wait-text "Test Crasher crashed" 30 || fail "the crash page does not show the application"
open_technical_details
BACKTRACE=$(a11y text text "Backtrace of the crashing thread")
FUNCTIONS=$(jq -r '.backtrace.threads[0].frames // [] | map(.function // empty) | .[]' "$RECORD")
if [ -n "$FUNCTIONS" ]; then
    assert_contains "crash_segv" "$FUNCTIONS" "the symbolizer found the crashing function"
    assert_contains "crash_segv" "$BACKTRACE" "the backtrace shows the crasher's crashing function"
    assert_contains "main" "$BACKTRACE" "the backtrace shows the crasher's main"
else
    assert_eq "$(jq -r '.backtrace.error // "No backtrace is available."' "$RECORD")" "$BACKTRACE" \
        "the backtrace view says why there is none"
fi
screenshot crash-page "Crash Reports" 64

# A crash only the journal knows, as systemd-coredump logs it (no CORONER_*
# fields, no record in our store): the reporter learns of it live, through
# the journal's fd, and names it from the journal's fields.
BEFORE=$(notify_count)
NOW_USEC=$(($(date +%s%N) / 1000))
# journald's native protocol (what sd_journal_send speaks), so MESSAGE can
# hold systemd-coredump's multi-line stack trace.
"$PY" - "$(id -u)" "$(id -g)" "$NOW_USEC" "$(hostname)" <<'PYTHON'
import socket, struct, sys
uid, gid, usec, host = sys.argv[1:]
fields = {
    "MESSAGE_ID": "fc2e22bc6ee647b6b90729ab34a250b1",
    "MESSAGE": "Process 4242 (sleep) of user %s dumped core.\n\nStack trace of thread 4242:\n"
               "#0  0x00007f0000001234 clock_nanosleep (libc.so.6 + 0x1234)\n"
               "#1  0x000055550000aaaa main (sleep + 0xaaaa)\n\n"
               "Stack trace of thread 4243:\n"
               "#0  0x00007f0000005678 __poll (libc.so.6 + 0x5678)\n" % uid,
    "PRIORITY": "2",
    # Only a trusted writer's entry is a crash (docs/security.md): systemd-coredump's
    # identifier, sent as root or as the crashing user itself.
    "SYSLOG_IDENTIFIER": "systemd-coredump",
    "COREDUMP_PID": "4242", "COREDUMP_UID": uid, "COREDUMP_GID": gid,
    "COREDUMP_SIGNAL": "6", "COREDUMP_SIGNAL_NAME": "SIGABRT",
    "COREDUMP_COMM": "sleep", "COREDUMP_EXE": "/usr/bin/sleep",
    "COREDUMP_TIMESTAMP": usec, "COREDUMP_HOSTNAME": host,
}
data = b""
for name, value in fields.items():
    value = value.encode()
    data += name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.sendto(data, "/run/systemd/journal/socket")
PYTHON
journal_sync
poll_eval 30 '[ "$(notify_count)" -gt "$BEFORE" ]' && pass "the journal-only crash was announced live" ||
    fail "no notification for the journal-only crash" "$(grep -v Gtk-WARNING "$LOGDIR/reporter.log" | tail -n 5)"
assert_eq "sleep crashed" "$(last_notification | jq -r .summary)" "the journal-only crash is named from COREDUMP_EXE"
invoke_default
a11y wait-text "sleep crashed" 30 && pass "the window shows the journal-only crash" || fail "no window for the journal-only crash"
# The details were left open on the crash before; this one opens with them folded away.
assert_eq "" "$(a11y_list shown-matching "clock_nanosleep|Backtrace")" "the next crash opens with its details collapsed"
open_technical_details
assert_contains "clock_nanosleep" "$(a11y text text "Backtrace of the crashing thread")" \
    "its backtrace comes from systemd-coredump's stack trace"
# The other thread, folded into an expander of its own, opens as a screen reader user opens it.
a11y expand "Thread 4243" || fail "could not open the other thread" "$(a11y names | grep -i thread)"
assert_contains "__poll" "$(a11y_list shown-matching "__poll")" "the other thread's frames show once it is open"
assert_eq "" "$(a11y_list gtk-named)" "what the thread's expander holds is named too (its frame and scroll bar)"
screenshot journal-crash "Crash Reports" 64
logout
harness_done
