#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The whole way, with real desktop pieces: a crash stored by the real
# coroner-handler → the reporter, started as at login, announces it (the
# Notify call observed on the bus, named after the application's .desktop
# file) → dunst invokes the default action → the window opens on that crash
# (found through AT-SPI) with its technical details folded away → opened,
# its backtrace is what the record holds → a comment
# is typed and Send pressed → the event with the comment arrives at a real
# Spotlight receiver, and the crash is marked sent.
TEST_NAME=reporter-flow
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init
session_start
spotlight_start

crash_via_handler 1
assert_file "$LAST_RECORD" "the handler stored a record"
ID=$(jq -r .id "$LAST_RECORD")

login
wait_notifications 1 || fail "no notification within ${CORONER_REPORTER_TIMEOUT}s" "$(cat "$LOGDIR/reporter.log")"
N=$(last_notification)
assert_eq "Test Crasher crashed" "$(jq -r .summary <<<"$N")" "notification summary (the .desktop name)"
assert_eq "utilities-terminal" "$(jq -r .icon <<<"$N")" "notification icon (the .desktop icon)"
assert_eq '[["default","Report…"],["dismiss","Dismiss"],["mute","Don’t Notify Again for This App"]]' "$(jq -c .actions <<<"$N")" "notification actions"
assert_eq "Crash Reports" "$(jq -r .app_name <<<"$N")" "notification app name"
assert_eq "org.coroner.Reporter" "$(jq -r '.hints["desktop-entry"]' <<<"$N")" "desktop-entry hint"
assert_contains "You can report the problem" "$(jq -r .body <<<"$N")" "notification body"
poll_eval 20 '[ "$(displayed)" -ge 1 ]' || fail "dunst shows no notification"
screenshot notification Dunst 8

invoke_default
poll 20 grep -q '"action": "default"' "$T/notify.jsonl" && pass "dunst invoked the default action" ||
    fail "no ActionInvoked(default) on the bus"
a11y wait-window "Crash Reports" 60 && pass "the window is on the accessibility bus" || fail "no window found via AT-SPI"
a11y wait-text "Test Crasher crashed" 30 && pass "the window names the crashed application" ||
    fail "the crash page does not show the application"
assert_cmd "the crash page states the reason in plain words" -- a11y wait-text "tried to use memory" 10
screenshot crash-page "Crash Reports" 64

# The first view speaks plain words: the backtrace, signal names, build ids,
# addresses and the process id wait in the collapsed Technical Details.
FUNCTIONS=$(jq -r '.backtrace.threads[0].frames // [] | map(.function // empty) | .[]' "$LAST_RECORD")
CRASHING=$(head -n 1 <<<"$FUNCTIONS")
PID=$(jq -r .process.pid "$LAST_RECORD")
TECHNICAL="SIG[A-Z]+|[0-9a-f]{16,}|0x[0-9a-f]+|Backtrace|\\b$PID\\b${CRASHING:+|$CRASHING}"
assert_eq "" "$(a11y_list shown-matching "$TECHNICAL")" \
    "the first view shows no signal name, build id, address, process id or backtrace"
assert_match "(push|toggle) button	Technical Details" "$(a11y names)" "the expander is named by its label"
assert_eq "" "$(a11y_list gtk-named)" "no accessible object on the first view is named after a GTK type"
screenshot crash-page-collapsed "Crash Reports" 64
open_technical_details
if [ -n "$CRASHING" ]; then
    assert_contains "$CRASHING" "$(a11y_list shown-matching "$CRASHING")" "the open details show the crashing function"
fi
assert_contains "SIG" "$(a11y_list shown-matching "SIG[A-Z]+")" "and the signal's name"
assert_eq "" "$(a11y_list gtk-named)" "what the details hold is named too (scroll bars, frames, thread expanders)"
screenshot crash-page-expanded "Crash Reports" 64

# The backtrace shows what the record holds: every function of the crashing
# thread the handler's symbolizer found, innermost first; or, when it found
# none, the record's reason.
BACKTRACE=$(a11y text text "Backtrace of the crashing thread")
if [ -n "$FUNCTIONS" ]; then
    while IFS= read -r function; do
        assert_contains "$function" "$BACKTRACE" "the backtrace view shows the record's frame"
    done <<<"$FUNCTIONS"
    assert_match "^#0 +0x[0-9a-f]+ $CRASHING " "$BACKTRACE" "the innermost frame comes first"
else
    EXPECTED=$(jq -r '.backtrace.error // "No backtrace is available."' "$LAST_RECORD")
    assert_eq "$EXPECTED" "$BACKTRACE" "the backtrace view says why there is none"
fi
UNNAMED=$(a11y_list unnamed-controls)
assert_eq "" "$UNNAMED" "every control on the crash page has an accessible name"

a11y click "Review Report…" || fail "could not press Review Report…"
a11y wait-text "What Will Be Sent" 30 || fail "the review page did not open"
show_exact_data
PREVIEW=$(a11y text text "Report contents")
assert_contains '"event_id"' "$PREVIEW" "the review page shows the envelope header"
assert_contains '{"type":"event"' "$PREVIEW" "the review page shows the event"
assert_not_contains "HOME=" "$PREVIEW" "the environment is never part of the report"
COMMENT="It crashed while I was testing the reporter"
a11y type "What were you doing when it crashed?" "$COMMENT" || fail "could not type the comment"
poll 20 sh -c "timeout 60 $PY $CORONER_REPORTER_TEST_LIB/a11y.py text text 'Report contents' | grep -qF '$COMMENT'" &&
    pass "the preview shows the comment that will be sent" || fail "the preview does not show the comment"
UNNAMED=$(a11y_list unnamed-controls)
assert_eq "" "$UNNAMED" "every control on the review page has an accessible name"
screenshot review-page "Crash Reports" 64

a11y click "Send" || fail "could not press Send"
a11y wait-text "Sent as report" 60 && pass "the window says the report was sent" ||
    fail "no 'sent' result" "$(a11y names 2>&1 | grep -i -e status -e label | head -20)"
screenshot sent "Crash Reports" 64
poll 30 spotlight_has_comment "$COMMENT" && pass "Spotlight received the event with the comment" ||
    fail "Spotlight did not receive the comment" "$(spotlight_events | head -c 3000)"
EVENT_SIGNAL=$(spotlight_events | jq -r 'select(.[1][] | .[0].type == "event") | .[1][] | select(.[0].type == "event") | .[1].exception.values[0].mechanism.meta.signal.number // empty' | tail -n 1)
assert_eq 11 "$EVENT_SIGNAL" "the event carries the crash's signal"
poll 10 grep -q '^State=sent' "$XDG_STATE_HOME/coroner/reporter-state.ini" && pass "the crash is marked sent" ||
    fail "the state file does not say sent" "$(cat "$XDG_STATE_HOME/coroner/reporter-state.ini")"
assert_contains "[crash $ID]" "$(cat "$XDG_STATE_HOME/coroner/reporter-state.ini")" "the state is keyed by the record id"
logout
session_done
