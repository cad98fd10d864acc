#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A report for a program without the hook goes where its .desktop file says
# (X-Coroner-DSN, project 7: there is no reporting.conf), and the review page
# tells the truth: it names the destination host and project, "Show Exact
# Data" shows the envelope bytes the receiver then gets, byte for byte (but
# for the header's sent_at, set when it leaves), and after Send the page
# says Sent with the report's id and offers no second Send; a comment added
# then goes as feedback on the same event, never as a second event.  System
# libraries' frames are not the application's (in_app false).  The receiver
# is the Sentry client's loopback server, which keeps the bytes it got.
TEST_NAME=reporter-review
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init base64 curl
session_start
fake_sentry_start
PORT=$FAKE_PORT
received() { curl -sf "http://127.0.0.1:$PORT/log"; }

# No reporting.conf at all: only the application's .desktop file names a DSN.
printf 'X-Coroner-DSN=http://0123456789abcdef0123456789abcdef@127.0.0.1:%s/7\n' "$PORT" \
    >>"$T/data/applications/org.coroner.TestCrasher.desktop"
[ ! -e "$XDG_CONFIG_HOME/coroner/reporting.conf" ] || die "a reporting.conf exists"

crash_via_handler 1
ID=$(jq -r .id "$LAST_RECORD")
[ "$(jq -r '.app // empty' "$LAST_RECORD")" = "" ] || die "the crasher must not use the hook"
login_and_review "$ID"
pass "Review Report… is offered: the .desktop file's DSN was found for a program without the hook"
a11y wait-text "127.0.0.1:$PORT (project 7)" 20 && pass "the review page names the destination host and project" ||
    fail "the review page does not say where the report goes"
a11y wait-text "What happened" 10 && pass "the review page summarizes the report in words" || fail "no summary"
assert_eq "" "$(a11y_list unnamed-controls)" "every control on the review page has an accessible name"
assert_eq "" "$(a11y_list gtk-named)" "no accessible object on the review page is named after a GTK type"
screenshot review "Crash Reports" 64

show_exact_data
a11y text text "Report contents" >"$T/shown" || fail "the exact data is not shown"
screenshot exact-data "Crash Reports" 64
a11y click "Send" || fail "could not press Send"
a11y wait-text "Sent as report" 60 && pass "the page says the report was sent, with its id" ||
    fail "no 'sent' result" "$(received | head -c 2000)"
screenshot sent "Crash Reports" 64
NAMES=$(a11y names)
assert_not_contains "push button	Send" "$NAMES" "Send is gone once the report went out"

received >"$T/log.json"
assert_eq 1 "$(jq '[.[] | select(.items[0][0] == "event")] | length' "$T/log.json")" "the receiver got one event"
assert_eq "/api/7/envelope/" "$(jq -r '[.[] | select(.items[0][0] == "event")][0].path' "$T/log.json")" \
    "it went to project 7, the .desktop file's DSN"
EVENT_ID=$(jq -r '[.[] | select(.items[0][0] == "event")][0].event_id' "$T/log.json")
jq -r '[.[] | select(.items[0][0] == "event")][0].raw_base64' "$T/log.json" | base64 -d >"$T/got"
assert_contains "$EVENT_ID" "$(a11y names | grep -F 'Sent as report')" "the page names the event id the receiver got"
# Byte for byte, but for sent_at, which the outbox sets when the envelope leaves.
strip_sent_at() { sed -E '1s/"sent_at":"[^"]*"/"sent_at":""/' "$1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
if [ "$(strip_sent_at "$T/shown" | sha256sum)" = "$(strip_sent_at "$T/got" | sha256sum)" ]; then
    pass "Show Exact Data showed the bytes the receiver got ($(stat -c %s "$T/got") bytes)"
else
    fail "the exact data differs from what was received" "$(diff <(strip_sent_at "$T/shown") <(strip_sent_at "$T/got") | head -20)"
fi

# System libraries are not the application's code; the program's own frames are.
"$PY" - "$T/got" >"$T/in-app" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
pos = raw.index(b"\n") + 1
while pos < len(raw):
    end = raw.index(b"\n", pos)
    header = json.loads(raw[pos:end])
    payload = raw[end + 1:end + 1 + header["length"]]
    pos = end + 1 + header["length"] + 1
    if header["type"] != "event":
        continue
    for thread in json.loads(payload).get("threads", {}).get("values", []):
        for frame in (thread.get("stacktrace") or {}).get("frames", []):
            print(frame.get("package", ""), frame.get("in_app"))
PY
grep -q '/libc.so.6 False$' "$T/in-app" && pass "libc frames are sent as in_app false, with the library's full path" ||
    fail "no libc frame with in_app false" "$(cat "$T/in-app")"
assert_eq "" "$(grep -E '^/(usr/)?lib.* True$' "$T/in-app" || true)" "no system library frame is in_app"
grep -q "$(readlink -f "$CORONER_CRASHER") True$" "$T/in-app" && pass "the program's own frames are in_app" ||
    fail "the program's frames are not in_app" "$(cat "$T/in-app")"

# A comment afterwards: feedback on the same event, no second event.
COMMENT="I pressed the button twice"
a11y type "What were you doing when it crashed?" "$COMMENT" || fail "could not type the comment"
a11y click "Send Comment" || fail "could not press Send Comment"
a11y wait-text "Your comment was sent" 60 && pass "the comment was sent" || fail "the comment was not sent"
received >"$T/log.json"
assert_eq 1 "$(jq '[.[] | select(.items[0][0] == "event")] | length' "$T/log.json")" "still exactly one event"
assert_eq 1 "$(jq '[.[] | select(.items[0][0] == "feedback")] | length' "$T/log.json")" "and one feedback"
assert_eq "$EVENT_ID" "$(jq -r '[.[] | select(.items[0][0] == "feedback")][0].feedback.associated_event_id' "$T/log.json")" \
    "the feedback belongs to the event that was sent"
assert_eq "$COMMENT" "$(jq -r '[.[] | select(.items[0][0] == "feedback")][0].feedback.message' "$T/log.json")" \
    "the feedback carries the comment"
screenshot comment-sent "Crash Reports" 64
logout
session_done
