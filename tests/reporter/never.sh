#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# "Don't notify me about this application again", and its undo: the crash
# page's switch "Notify About New Crashes" (reached with Alt+N, named for
# assistive technologies) turned off stores "never" for the application in
# app-choices; a new crash of that application then gives no notification
# (dunst sees none) while another application's crash in the same moment
# still does, alone.  Turned on again (through AT-SPI), the next crash of the
# application is announced; the notification's own "Don't Notify Again for
# This App" action mutes it again and withdraws the notification.
TEST_NAME=reporter-never
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init
session_start

SWITCH="Notify About New Crashes"
mkdir -p "$T/bin"
cp "$CORONER_CRASHER" "$T/bin/other-crasher"
printf '[Desktop Entry]\nType=Application\nName=Other Crasher\nExec=%s\nIcon=utilities-system-monitor\n' \
    "$T/bin/other-crasher" >"$T/data/applications/org.coroner.OtherCrasher.desktop"

# A crash of Test Crasher taken in while notifications are off: listed, never
# announced, so nothing but the choice made below can keep its next crash quiet.
gsettings set org.coroner.Reporter notifications false
crash_via_handler 1
FIRST=$(jq -r .id "$LAST_RECORD")
login
logout
gsettings set org.coroner.Reporter notifications true
login
sleep 2 # a notification would be sent right after the pick-up
assert_eq 0 "$(notify_count)" "nothing announced so far"

app_action report "<'$FIRST'>"
a11y wait-window "Crash Reports" 60 || fail "no window"
a11y wait-text "Test Crasher crashed" 30 || fail "the crash page does not show the crash"
assert_eq "true" "$(a11y checked "$SWITCH")" "the application is announced unless the user says otherwise"
assert_cmd "the switch explains itself, naming the application" -- a11y wait-text "crashes of Test Crasher are still listed" 10
UNNAMED=$(a11y_list unnamed-controls)
assert_eq "" "$UNNAMED" "every control on the crash page has an accessible name"

# From the keyboard: Alt+N, the row's mnemonic, turns the switch off.
a11y point "Crash Reports"
a11y keys "<Alt>n"
# First: a toast stays five seconds, and each a11y call takes one or two on a loaded machine.
a11y wait-text "You will not be told about crashes of Test Crasher any more." 10 &&
    pass "a toast says what changed" || fail "no toast about the choice"
poll_eval 20 'gsettings get org.coroner.Reporter app-choices | grep -q "org.coroner.TestCrasher.: .never"' &&
    pass "Alt+N stored \"never\" for the application" ||
    fail "app-choices does not say never" "$(gsettings get org.coroner.Reporter app-choices)"
assert_eq "false" "$(a11y checked "$SWITCH")" "the switch is off"
screenshot never "Crash Reports" 64

# A crash of each application in the same moment: only Other Crasher is announced.
crash_via_handler 1
QUIET=$(jq -r .id "$LAST_RECORD")
rm -f "$T/core"
CORONER_CRASHER=$T/bin/other-crasher crash_via_handler 1
wait_notifications 1 || fail "the other application's crash was not announced"
sleep 3 # the longest a crash waits to be grouped, and then some
assert_eq 1 "$(notify_count)" "one notification in all"
assert_eq "Other Crasher crashed" "$(last_notification | jq -r .summary)" "it is about the other application only"
assert_eq 1 "$(displayed)" "dunst shows that one only"
assert_contains "[crash $QUIET]" "$(cat "$XDG_STATE_HOME/coroner/reporter-state.ini")" \
    "the unannounced crash is still taken in"
invoke_menu Dismiss
poll_eval 20 '[ "$(displayed)" -eq 0 ]' || fail "the notification was not dismissed"

# Undone in the same place, through AT-SPI: the next crash is announced again.
app_action report "<'$QUIET'>"
a11y wait-text "Test Crasher crashed" 30 || fail "the quiet crash cannot be opened"
assert_eq "false" "$(a11y checked "$SWITCH")" "the page remembers the choice"
a11y toggle "$SWITCH" || fail "could not turn the switch on"
poll_eval 20 '! gsettings get org.coroner.Reporter app-choices | grep -q never' &&
    pass "turning it on again forgets \"never\"" ||
    fail "app-choices still says never" "$(gsettings get org.coroner.Reporter app-choices)"
rm -f "$T/core"
crash_via_handler 1
wait_notifications 2 || fail "the application's crash was not announced after the undo"
assert_eq "Test Crasher crashed" "$(last_notification | jq -r .summary)" "Test Crasher is announced again"

# The notification's own "Don't Notify Again for This App": stored, and the notification is gone.
poll_eval 20 '[ "$(displayed)" -ge 1 ]' || fail "dunst shows no notification"
invoke_menu "Don’t Notify Again for This App"
poll_eval 20 'gsettings get org.coroner.Reporter app-choices | grep -q "org.coroner.TestCrasher.: .never"' &&
    pass "the notification's action stored \"never\"" ||
    fail "app-choices does not say never" "$(gsettings get org.coroner.Reporter app-choices)"
poll_eval 20 '[ "$(displayed)" -eq 0 ]' && pass "and the application's notification is withdrawn" ||
    fail "the notification is still shown"
logout
session_done
