#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Forged crash entries, written the way any local user can: `logger --journald`
# run as an unprivileged uid (setpriv) into a real, private journald, with
# systemd-coredump's MESSAGE_ID and COREDUMP_*/CORONER_* fields that name a
# root-only secret as the core and an attacker's JSON (with the attacker's DSN)
# as the record.  Beside them, one genuine crash through coroner-handler.
#
# Safe outcome: coronerctl (as root) does not list them; with --unverified
# they are listed, marked, and nothing they name is opened (dump, submit
# --allow-core: the secret never appears, exit < 128); the genuine crash keeps
# its store record; the reporter's reading of the journal (the same libcoroner
# call, journal-record-tool) skips them and never takes the attacker's DSN.
source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
HARNESS_TOOLS=(logger setpriv jq journalctl)
ctl_init_namespace "$@"
: "${JOURNAL_RECORD_TOOL:?the test needs JOURNAL_RECORD_TOOL (libcoroner/tests)}"

private_journal_start
printf '[Store]\nPath=%s\n[Journal]\nEnabled=yes\nTimeout=5\n' "$STORE" >"$CONFIG"
export XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
mkdir -p "$XDG_CONFIG_HOME/coroner"
printf '[Sentry]\nDSN=http://0123456789abcdef0123456789abcdef@127.0.0.1:9/1\nAllowCore=true\n' \
    >"$XDG_CONFIG_HOME/coroner/reporting.conf"

# The genuine crash.
gdb_crash abrt
ingest 6
OURS_PID=$CRASH_PID OURS_RECORD=$RECORD
gdb_release
[ -n "$(journal_entry "$OURS_PID")" ] || fail "no journal entry from coroner-handler"
OURS_ENTRY=$(entry_id "$OURS_RECORD")

# The attacker: an ordinary uid with a directory of its own, and root's secret.
EVIL_UID=61301
TOKEN=root-secret-$RANDOM$RANDOM$RANDOM
SECRET=$T/secret
printf '%s\n' "$TOKEN" >"$SECRET"
chmod 0600 "$SECRET"
EVIL_DIR=$T/evil
mkdir -m 0755 "$EVIL_DIR"
chown "$EVIL_UID:$EVIL_UID" "$EVIL_DIR"
ATTACKER_DSN=http://feedfacefeedfacefeedfacefeedface@attacker.invalid/666
jq --arg dsn "$ATTACKER_DSN" '.app = {"app_id": "org.evil", "name": "evil", "dsn": $dsn} | .process.exe = "/forged/exe"' \
    "$OURS_RECORD" >"$EVIL_DIR/evil.json"
chown "$EVIL_UID:$EVIL_UID" "$EVIL_DIR/evil.json"
BOOT=$(tr -d - </proc/sys/kernel/random/boot_id)
NOW=$(date +%s%6N)

# forge FIELD=VALUE...: one journal entry sent by the attacker's uid.
forge() {
    printf '%s\n' MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1 PRIORITY=2 "$@" |
        setpriv --reuid=$EVIL_UID --regid=$EVIL_UID --clear-groups -- logger --journald ||
        die "logger --journald as uid $EVIL_UID failed"
}
# As systemd-coredump, about root's PID 1, the core being root's secret.
forge SYSLOG_IDENTIFIER=systemd-coredump COREDUMP_PID=1 COREDUMP_UID=0 COREDUMP_GID=0 \
    COREDUMP_SIGNAL=11 COREDUMP_COMM=forged-sdc COREDUMP_EXE=/forged/sdc \
    "COREDUMP_FILENAME=$SECRET" "MESSAGE=Process 1 (forged-sdc) of user 0 dumped core."
# As coroner-handler, with a record of the attacker's and the genuine crash's record id.
forge SYSLOG_IDENTIFIER=coroner-handler COREDUMP_PID=2 COREDUMP_UID=0 COREDUMP_SIGNAL=6 \
    COREDUMP_COMM=forged-ours COREDUMP_EXE=/forged/ours "COREDUMP_FILENAME=$SECRET" \
    "CORONER_RECORD=$EVIL_DIR/evil.json" "CORONER_RECORD_ID=$OURS_ENTRY" \
    "MESSAGE=Process 2 (forged-ours) of user 0 dumped core."
# As systemd-coredump about its own uid (what systemd-coredump really writes
# after dropping to the crashing user), naming the secret and a store-like name.
forge SYSLOG_IDENTIFIER=systemd-coredump COREDUMP_PID=3 COREDUMP_UID=$EVIL_UID \
    COREDUMP_SIGNAL=11 COREDUMP_COMM=forged-own COREDUMP_EXE=/forged/own \
    "COREDUMP_TIMESTAMP=$NOW" \
    "COREDUMP_FILENAME=$STORE/../secret" "MESSAGE=Process 3 (forged-own) of user $EVIL_UID dumped core."
forge SYSLOG_IDENTIFIER=systemd-coredump COREDUMP_PID=4 COREDUMP_UID=$EVIL_UID \
    COREDUMP_SIGNAL=11 COREDUMP_COMM=forged-name COREDUMP_EXE=/forged/name \
    "COREDUMP_FILENAME=$(dirname "$OURS_RECORD")/$OURS_ENTRY.zst" \
    "MESSAGE=Process 4 (forged-name) of user $EVIL_UID dumped core."
journal_sync
# The entries are there, as the attacker's (journald's _UID).
for pid in 1 2 3 4; do
    e=$(journal_entry "$pid")
    assert_eq "$EVIL_UID" "$(jfield "$e" _UID)" "forged entry $pid is in the journal with _UID=$EVIL_UID"
done

ctl_sys() { "$CORONERCTL" --store="$STORE" "$@"; }
no_secret() { assert_not_contains "$TOKEN" "$1" "$2: root's secret never read"; }

# ----------------------------------------------------------------- list
RC=0
OUT=$(ctl_sys list --json) || RC=$?
assert_eq 0 "$RC" "list"
assert_eq "" "$(jq -r '.[] | select(.exe | tostring | startswith("/forged/sdc") or startswith("/forged/ours")) | .pid' <<<"$OUT")" \
    "entries forged as root's crash handler are not listed"
assert_eq 1 "$(jq --argjson p "$OURS_PID" '[.[] | select(.pid == $p)] | length' <<<"$OUT")" "the genuine crash listed once"
assert_eq '["store","journal"]' "$(jq -c --argjson p "$OURS_PID" '.[] | select(.pid == $p) | .sources' <<<"$OUT")" \
    "the genuine crash: store and journal merged"
assert_eq "$(readlink -f "$CORONER_CRASHER")" "$(jq -r --argjson p "$OURS_PID" '.[] | select(.pid == $p) | .exe' <<<"$OUT")" \
    "the genuine crash's record is the store's, not the attacker's"
# The attacker's claims about its own uid: its crash, but no file named is followed.
for pid in 3 4; do
    assert_eq "none null" "$(jq -r --argjson p $pid '.[] | select(.pid == $p) | "\(.core) \(.core_path)"' <<<"$OUT")" \
        "an own-uid claim (pid $pid): the core it names (not its own) is not believed"
done

RC=0
OUT=$(ctl_sys --unverified list --json) || RC=$?
assert_eq 0 "$RC" "list --unverified"
assert_eq "true true" "$(jq -r '[.[] | select(.pid == 1 or .pid == 2) | .unverified | tostring] | join(" ")' <<<"$OUT")" \
    "--unverified: the forged entries are listed, marked unverified"
assert_eq "unverified unverified" "$(jq -r '[.[] | select(.pid == 1 or .pid == 2) | .core] | join(" ")' <<<"$OUT")" \
    "--unverified: their core column says unverified"
assert_eq "null null" "$(jq -r '[.[] | select(.pid == 1 or .pid == 2) | .core_path | tostring] | join(" ")' <<<"$OUT")" \
    "--unverified: no path of theirs is kept"
FORGED_ID=$(jq -r '.[] | select(.pid == 2) | .id' <<<"$OUT")
OWN_ID=$(jq -r '.[] | select(.pid == 3) | .id' <<<"$OUT")
NAME_ID=$(jq -r '.[] | select(.pid == 4) | .id' <<<"$OUT")

RC=0
OUT=$(ctl_sys --unverified info "$FORGED_ID" 2>&1) || RC=$?
assert_eq 0 "$RC" "info of a forged entry"
assert_contains "UNVERIFIED" "$OUT" "info says unverified"
no_secret "$OUT" "info"

# ----------------------------------------------------------------- dump, submit
for id in "$FORGED_ID" "$OWN_ID" "$NAME_ID"; do
    RC=0
    OUT=$(ctl_sys --unverified dump "$id" -o "$T/dump.$id" 2>&1) || RC=$?
    assert_ne 0 "$RC" "dump $id: refused"
    assert_le "$RC" 127 "dump $id: a clean error, not a signal"
    no_secret "$OUT$(cat "$T/dump.$id" 2>/dev/null)" "dump $id"
    RC=0
    OUT=$(ctl_sys --unverified submit --dry-run --allow-core "$id" 2>&1) || RC=$?
    assert_ne 0 "$RC" "submit --allow-core $id: refused"
    assert_le "$RC" 127 "submit $id: a clean error, not a signal"
    no_secret "$OUT" "submit $id"
done
RC=0
OUT=$(ctl_sys submit --dry-run "$(short_id "$OURS_ENTRY")" 2>&1) || RC=$?
assert_eq 0 "$RC" "the genuine crash is still submitted"
assert_not_contains "$ATTACKER_DSN" "$OUT" "the attacker's DSN is never used"

# ----------------------------------------------------------------- the reporter's reading
OUT=$("$JOURNAL_RECORD_TOOL" "$STORE") || fail "journal-record-tool failed"
assert_contains "record $OURS_ENTRY dsn=- exe=$(readlink -f "$CORONER_CRASHER")" "$OUT" \
    "the reporter reads the genuine crash's record from the store"
assert_not_contains "feedface" "$OUT" "the reporter never follows a forged record (attacker's DSN)"
assert_not_contains "/forged/sdc" "$OUT" "the reporter skips an entry forged as systemd-coredump"
assert_not_contains "/forged/ours" "$OUT" "the reporter skips an entry forged as coroner-handler"
harness_done
