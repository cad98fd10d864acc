#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The reporter in German (LANGUAGE=de): the notification, the .desktop name of
# the crashed application and the window's labels are translated; the first
# view has no technical terms, and "Technische Details" opens to show them.
TEST_NAME=reporter-german
export LANG=C.UTF-8 LANGUAGE=de
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
CORONER_LOCALEDIR_OVERRIDE=$CORONER_REPORTER_LOCALEDIR
[ -f "$CORONER_REPORTER_LOCALEDIR/de/LC_MESSAGES/coroner.mo" ] || die "the German catalogue was not built"
session_init
session_start
crash_via_handler 1
ID=$(jq -r .id "$LAST_RECORD")
# The version a hooked application states (the crasher has no hook): the first view names it.
jq '.app = {"version": "2.5.1"}' "$LAST_RECORD" >"$T/versioned.json" && cat "$T/versioned.json" >"$LAST_RECORD"
login
wait_notifications 1 || fail "no notification"
N=$(last_notification)
assert_eq "Testabsturz ist abgestürzt" "$(jq -r .summary <<<"$N")" "German notification summary (Name[de])"
assert_eq '[["default","Melden …"],["dismiss","Verwerfen"],["mute","Für diese Anwendung nicht mehr benachrichtigen"]]' "$(jq -c .actions <<<"$N")" "German actions"
assert_eq "Absturzberichte" "$(jq -r .app_name <<<"$N")" "German application name"
invoke_default
a11y wait-window "Absturzberichte" 60 && pass "the window title is German" || fail "no German window"
# Nobody receives these reports (no DSN): the page says so, in German, and offers the report itself.
a11y wait-text "Bericht kopieren" 30 && pass "the copy button is German" || fail "no German copy button"
a11y wait-text "Bericht speichern …" 10 && pass "the save button is German" || fail "no German save button"
a11y wait-text "von hier aus nicht gesendet werden" 10 && pass "why it cannot be sent is German" ||
    fail "no German word on where the report goes"
a11y wait-text "es Speicher verwenden wollte" 30 && pass "the reason is German" || fail "no German reason"
assert_cmd "the first view names the application's version" -- a11y wait-text "Version 2.5.1" 10
a11y wait-text "Absturzdetails" 30 && pass "the page title is German" || fail "no German page title"
assert_eq "" "$(a11y_list shown-matching 'SIG[A-Z]+|[0-9a-f]{16,}|0x[0-9a-f]+|Backtrace')" \
    "the German first view shows no signal name, build id, address or backtrace"
screenshot crash-page-de "Absturzberichte" 64
open_technical_details "Technische Details"
assert_contains "SIG" "$(a11y_list shown-matching "SIG[A-Z]+")" "the German details, opened, name the signal"
screenshot crash-page-de-expanded "Absturzberichte" 64
logout
session_done
