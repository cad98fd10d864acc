#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Keyboard only, and "Always send reports for this application": from the
# notification to a sent report without the pointer (Return on the focused
# "Review Report…", the comment and e-mail typed, Tab to the check box, Space,
# Alt+S for Send); then the next crash of that application is sent without
# asking, and without a notification.
TEST_NAME=reporter-keyboard
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init
session_start
spotlight_start

crash_via_handler 1
login
wait_notifications 1 || fail "no notification"
invoke_default
a11y wait-window "Crash Reports" 60 || fail "no window"
a11y point "Crash Reports"
assert_eq "push button	Review Report…" "$(a11y focused)" "the crash page starts on Review Report…"
a11y keys Return
a11y wait-text "What Will Be Sent" 30 && pass "Return opened the review page" || fail "Return did not open the review page"
assert_eq "text	What were you doing when it crashed?" "$(a11y focused)" "the review page starts in the comment"
COMMENT="Typed without a mouse"
EMAIL="user@example.org"
"$PY" - "$COMMENT" <<'PY'
import os, sys
os.environ.setdefault("GTK_MODULES", "gail:atk-bridge")
from dogtail import rawinput
rawinput.typeText(sys.argv[1])
PY
a11y keys Tab
assert_eq "text	E-mail address" "$(a11y focused)" "Tab goes to the e-mail address"
"$PY" - "$EMAIL" <<'PY'
import os, sys
os.environ.setdefault("GTK_MODULES", "gail:atk-bridge")
from dogtail import rawinput
rawinput.typeText(sys.argv[1])
PY
a11y keys Tab
assert_eq "check box	Always send reports for this application" "$(a11y focused)" "Tab goes to the check box"
a11y keys space
a11y keys "<Alt>s"
a11y wait-text "Sent as report" 60 && pass "Alt+S sent the report" || fail "the report was not sent from the keyboard"
screenshot keyboard-sent "Crash Reports" 64
poll 30 spotlight_has_comment "$COMMENT" && pass "Spotlight received the typed comment" || fail "no comment at Spotlight"
assert_eq "$EMAIL" "$(spotlight_events | jq -r '.[1][] | select(.[0].type == "feedback") | .[1].contexts.feedback.contact_email' | tail -n 1)" \
    "the e-mail address went with it"
assert_contains "always" "$(gsettings get org.coroner.Reporter app-choices)" "the choice is remembered"

# The next crash of that application goes out by itself.
BEFORE=$(notify_count)
EVENTS=$(spotlight_events | wc -l)
crash_via_handler 1
ID=$(jq -r .id "$LAST_RECORD")
poll_eval 60 '[ "$(spotlight_events | wc -l)" -gt '"$EVENTS"' ]' && pass "the next crash was sent without asking" ||
    fail "the next crash was not sent"
poll_eval 30 'grep -A3 -F "[crash $ID]" "$XDG_STATE_HOME/coroner/reporter-state.ini" | grep -q "^State=sent"' &&
    pass "and marked sent" || fail "the automatically sent crash is not marked sent"
sleep 2
assert_eq "$BEFORE" "$(notify_count)" "no notification for a crash sent automatically"
logout
session_done
