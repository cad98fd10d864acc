#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# No dead ends: a crash of an application nobody receives reports for (no
# reporting.conf, no DSN anywhere) still leaves the user something to do.
# The crash page offers Copy Report (read back from the X clipboard with
# xclip: the crashing function and the signal), Save Report… (GTK's file
# chooser, driven through AT-SPI: the file holds the backtrace), Report Bug…
# (the .desktop file names the bug tracker: a URL handler of the session
# receives it, with the report on the clipboard) and Restart (the
# application's .desktop file is launched again); Review Report…, which
# would lead nowhere, is not there.  Every object a screen reader can reach
# has a real name, not a GTK type's.  Preferences lists a muted application
# and unmutes it.
TEST_NAME=reporter-report
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init xclip pgrep
session_start

DESKTOP=$T/data/applications/org.coroner.TestCrasher.desktop
# Restart launches Exec: a crasher that sleeps under a name of its own, so the test finds (and ends) it.
sed -i "s|^Exec=.*|Exec=$CORONER_CRASHER --comm=cr-restarted --sleep=600 segv|" "$DESKTOP"
printf 'X-Coroner-BugTracker=https://bugs.example.org/crasher/new\n' >>"$DESKTOP"
# The session's https handler writes down what it was asked to open.
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>%q\n' "$T/opened" >"$T/open-url"
chmod 0755 "$T/open-url"
printf '[Desktop Entry]\nType=Application\nName=Open URL\nExec=%s %%u\nMimeType=x-scheme-handler/https;\nNoDisplay=true\n' \
    "$T/open-url" >"$T/data/applications/test-open-url.desktop"
printf '[Default Applications]\nx-scheme-handler/https=test-open-url.desktop\n' >"$XDG_CONFIG_HOME/mimeapps.list"

crash_via_handler 1
ID=$(jq -r .id "$LAST_RECORD")
FUNCTION=$(jq -r '[.backtrace.threads[0].frames // [] | .[] | .function // empty] | first // empty' "$LAST_RECORD")
[ -n "$FUNCTION" ] || FUNCTION=$(jq -r '.backtrace.error // "No backtrace is available."' "$LAST_RECORD")

login
wait_notifications 1 || fail "no notification"
app_action report "<'$ID'>"
a11y wait-window "Crash Reports" 60 || fail "no window"
a11y wait-text "cannot be sent from here" 30 && pass "the crash page says the report cannot be sent from here" ||
    fail "no word on where the report goes"
NAMES=$(a11y names)
assert_not_contains "push button	Review Report…" "$NAMES" "no Review Report… when the report has nowhere to go"
for button in "Copy Report" "Save Report…" "Report Bug…" "Restart" "Dismiss"; do
    assert_contains "push button	$button" "$NAMES" "the crash page offers $button"
done
assert_eq "" "$(a11y_list unnamed-controls)" "every control on the crash page has an accessible name"
assert_eq "" "$(a11y_list gtk-named)" "no accessible object is named after a GTK type"
screenshot no-destination "Crash Reports" 64

# Copy Report: the clipboard holds what crashed, the signal and the backtrace.
a11y click "Copy Report" || fail "could not press Copy Report"
poll_eval 20 'xclip -o -selection clipboard | grep -qF "$FUNCTION"' &&
    pass "Copy Report put the crashing function on the clipboard" ||
    fail "the clipboard lacks $FUNCTION" "$(xclip -o -selection clipboard 2>&1 | head -20)"
CLIP=$(xclip -o -selection clipboard)
assert_contains "SIGSEGV" "$CLIP" "the copied report names the signal"
assert_contains "Test Crasher crashed" "$CLIP" "the copied report says what crashed"
assert_contains "tried to use memory" "$CLIP" "the copied report says it in words"

# Save Report…: GTK's file chooser, proposed name in the home folder, Save.
a11y click "Save Report…" || fail "could not press Save Report…"
a11y wait-window "Save Report" 30 || fail "no file chooser" "$(a11y toplevels 2>&1)"
screenshot save-dialog "Save Report" 32
# The proposed name is in the focused name field: Return saves, as a keyboard user would.
dialog_keys "Save Report" Return || fail "could not confirm the file chooser"
poll_eval 20 'compgen -G "$HOME/*-crash-*.txt"' && pass "Save Report wrote a file" || fail "no saved report in $HOME" "$(ls -la "$HOME")"
SAVED=$(compgen -G "$HOME/*-crash-*.txt" | head -n 1)
assert_contains "$FUNCTION" "$(cat "$SAVED")" "the saved report holds the backtrace"
assert_contains "SIGSEGV" "$(cat "$SAVED")" "the saved report names the signal"

# Report Bug…: the bug tracker opens, the report is on the clipboard to paste.
printf 'nothing\n' | xclip -selection clipboard
a11y click "Report Bug…" || fail "could not press Report Bug…"
poll 20 grep -qx "https://bugs.example.org/crasher/new" "$T/opened" && pass "Report Bug… opened the bug tracker" ||
    fail "the bug tracker was not opened" "$(cat "$T/opened" 2>&1)"
poll_eval 10 'xclip -o -selection clipboard | grep -qF "$FUNCTION"' &&
    pass "Report Bug… put the report on the clipboard" || fail "the report is not on the clipboard"
screenshot bug-tracker "Crash Reports" 64

# Restart: the application's .desktop file is launched again.
a11y click "Restart" || fail "could not press Restart"
poll_eval 20 'pgrep -x cr-restarted' && pass "Restart started the application again" || fail "nothing was started"
for pid in $(pgrep -x cr-restarted); do kill -KILL "$pid"; done

# Preferences (Ctrl+,): a muted application is listed there and can be unmuted.
a11y toggle "Notify About New Crashes" || fail "could not turn notifications of Test Crasher off"
poll_eval 20 'gsettings get org.coroner.Reporter app-choices | grep -q never' || fail "the application was not muted"
a11y point "Crash Reports"
a11y keys "<Control>comma"
a11y wait-window "Preferences" 30 || fail "no Preferences window"
screenshot preferences "Preferences" 32
a11y click "Unmute Test Crasher" || fail "no Unmute button naming the application" "$(a11y names | grep -i mute)"
poll_eval 20 '! gsettings get org.coroner.Reporter app-choices | grep -q never' &&
    pass "Preferences unmuted the application" ||
    fail "app-choices still says never" "$(gsettings get org.coroner.Reporter app-choices)"
logout
session_done
