#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The receiver is down when the user presses Send: the report is queued (the
# window says so, the history shows it), and it is sent by itself once the
# receiver is back, with the comment, and then shown as sent.
TEST_NAME=reporter-queue
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
# Retries every 2 s instead of the outbox's minute, so the test is quick (set
# before the session bus starts: the bus starts the reporter with its environment).
export CORONER_REPORTER_RETRY_MS=2000
session_init
session_start
spotlight_start
PORT=$SPOTLIGHT_PORT
spotlight_stop

crash_via_handler 1
ID=$(jq -r .id "$LAST_RECORD")
login_and_review "$ID"
show_exact_data
COMMENT="Sent while the receiver was down"
a11y type "What were you doing when it crashed?" "$COMMENT" || fail "could not type the comment"
poll 20 sh -c "timeout 60 $PY $CORONER_REPORTER_TEST_LIB/a11y.py text text 'Report contents' | grep -qF '$COMMENT'" ||
    fail "the preview does not show the comment"
a11y click "Send" || fail "could not press Send"
a11y wait-text "Queued as report" 60 && pass "the window says the report is queued" || fail "no 'queued' result"
screenshot queued "Crash Reports" 64
poll_eval 10 'grep -A3 -F "[crash $ID]" "$XDG_STATE_HOME/coroner/reporter-state.ini" | grep -q "^State=queued"' &&
    pass "the crash is queued" || fail "the state file does not say queued"
assert_eq "" "$(spotlight_events)" "nothing reached the (stopped) receiver"
ls "$XDG_STATE_HOME"/coroner/outbox/*.envelope >/dev/null 2>&1 && pass "the envelope waits in the outbox" ||
    fail "no envelope in the outbox"
# (the comment waits beside it as a feedback envelope of its own)
for f in "$XDG_STATE_HOME"/coroner/outbox/*.envelope; do
    [ "$(sed -n 2p "$f" | jq -r .type)" = event ] && QUEUED_ID=$(head -n 1 "$f" | jq -r .event_id)
done
assert_ne "" "${QUEUED_ID:-}" "the outbox holds the event's envelope"
NAMES=$(a11y names)
assert_contains "Queued as report $QUEUED_ID" "$NAMES" "the page names the queued report's event id"
assert_not_contains "push button	Send" "$NAMES" "Send is gone once the report is queued"

spotlight_start "$PORT"
poll 60 spotlight_has_comment "$COMMENT" && pass "the queued report arrived once the receiver was back" ||
    fail "the queued report never arrived" "$(cat "$LOGDIR/reporter.log" | tail -n 5)"
poll 30 sh -c "grep -A3 -F '[crash $ID]' '$XDG_STATE_HOME/coroner/reporter-state.ini' | grep -q '^State=sent'" &&
    pass "the crash is marked sent" || fail "the state file does not say sent" "$(cat "$XDG_STATE_HOME/coroner/reporter-state.ini")"
app_action history
a11y wait-text "· Sent" 30 && pass "the history shows it as sent" || fail "the history does not show it as sent"
screenshot history-sent "Crash Reports" 64
logout
session_done
