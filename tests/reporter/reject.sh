#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The server refuses the report for good (413, as Sentry does for an event
# too large): the window says it was rejected and why, the history shows it,
# and the reporter does not send it again.  The receiver is the Sentry
# client's loopback test server (sentry/tests/fake-sentry.py), which can be
# told how to answer.
TEST_NAME=reporter-reject
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init
session_start
fake_sentry_start
PORT=$FAKE_PORT
curl_post() { "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")).read()' "$@"; }
curl_post "http://127.0.0.1:$PORT/control" '{"script": ["413"]}'
mkdir -p "$XDG_CONFIG_HOME/coroner"
printf '[Sentry]\nDSN=http://0123456789abcdef0123456789abcdef@127.0.0.1:%s/7\n' "$PORT" >"$XDG_CONFIG_HOME/coroner/reporting.conf"

crash_via_handler 1
ID=$(jq -r .id "$LAST_RECORD")
login_and_review "$ID"
a11y click "Send" || fail "could not press Send"
a11y wait-text "The server rejected the report" 60 && pass "the window says the report was rejected" ||
    fail "no 'rejected' result"
a11y wait-text "413" 10 && pass "and gives the server's answer" || fail "the reason does not name the server's answer"
screenshot rejected "Crash Reports" 64
poll_eval 10 'grep -A4 -F "[crash $ID]" "$XDG_STATE_HOME/coroner/reporter-state.ini" | grep -q "^State=rejected"' &&
    pass "the crash is marked rejected" || fail "the state file does not say rejected"
assert_contains "413" "$(grep -A6 -F "[crash $ID]" "$XDG_STATE_HOME/coroner/reporter-state.ini" | grep '^Reason=')" \
    "the reason is kept"
app_action history
a11y wait-text "· Rejected" 30 && pass "the history shows it as rejected" || fail "the history does not show it"
REQUESTS=$("$PY" -c 'import json, sys, urllib.request; print(len(json.load(urllib.request.urlopen(sys.argv[1]))))' \
    "http://127.0.0.1:$PORT/log")
sleep 3
assert_eq "$REQUESTS" "$("$PY" -c 'import json, sys, urllib.request; print(len(json.load(urllib.request.urlopen(sys.argv[1]))))' \
    "http://127.0.0.1:$PORT/log")" "a rejected report is not sent again"
logout
session_done
