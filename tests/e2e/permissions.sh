#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Who may read a stored crash.  Every file is 0640 root:root; the crashing
# user gets a read ACL (user:UID:r--) only when the process was dumpable
# (%d = 1) and not set[ug]id (AT_SECURE):
#  A. an ordinary user's crash: ACL, and that user can read core and record;
#  B. root's crash: no ACL, the user cannot read it;
#  C. a set-uid-root program run by the user (AT_SECURE, %d = 2): no ACL;
#  D. a root process that switched to the user without exec (%d = 2 under
#     fs.suid_dumpable=2): no ACL.
# The test user exists only in this namespace (a private /etc/passwd).
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
HARNESS_TOOLS=(getfacl setpriv)
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

TEST_UID=61234
TEST_USER=coroner-e2e
grep -q ":$TEST_UID:" /etc/passwd /etc/group && die "uid/gid $TEST_UID is taken on this machine"
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
echo "$TEST_USER:x:$TEST_UID:$TEST_UID:Coroner e2e:/nonexistent:/usr/sbin/nologin" >>"$T/passwd"
echo "$TEST_USER:x:$TEST_UID:" >>"$T/group"
mount --bind "$T/passwd" /etc/passwd
mount --bind "$T/group" /etc/group
[ "$(id -u "$TEST_USER")" = "$TEST_UID" ] || die "the private test user is not visible"

# A copy the test user can certainly execute and read (the build tree may
# not be readable by others); a crash through a world-unreadable binary
# would be non-dumpable.
mkdir -m 0755 "$T/bin"
install -m 0755 "$CORONER_CRASHER" "$T/bin/crasher"
install -m 4755 -o root -g root "$CORONER_CRASHER" "$T/bin/suid-crasher"
CORONER_CRASHER=$T/bin/crasher

handler_via_kernel

as_user() { setpriv --reuid=$TEST_UID --regid=$TEST_UID --clear-groups -- "$@"; }

# The stack core beside the core, when the handler made one.
stack_path() {
    local f
    f=$(record_path "$1") || return 0
    [ -e "${f%.json}.stack" ] && echo "${f%.json}.stack"
    return 0
}

named_acl_entries() { getfacl -n -c -p "$1" 2>/dev/null | grep -E '^user:[0-9]+:' | tr '\n' ' ' | sed 's/ $//'; }

no_access() {
    local what=$1 pid=$2 f
    for f in "$(record_path "$pid")" "$(core_path "$pid")" "$(stack_path "$pid")"; do
        [ -n "$f" ] || continue
        assert_eq "640 root root" "$(stat -c '%a %U %G' "$f")" "$what: $(basename "$f") mode and owner"
        assert_eq "" "$(named_acl_entries "$f")" "$what: $(basename "$f") has no ACL for a user"
        if as_user cat "$f" >/dev/null 2>&1; then
            fail "$what: the test user can read $(basename "$f")"
        else
            pass "$what: the test user cannot read $(basename "$f")"
        fi
    done
}

# A. An ordinary user's crash.
crash_and_wait --as=$TEST_UID:$TEST_UID segv
if [ -n "$RECORD" ]; then
    verify_record "$CRASH_PID" 11 present crasher $TEST_UID
    verify_core "$CRASH_PID" 11
    verify_journal "$CRASH_PID" 11 present crasher $TEST_UID
    assert_eq 1 "$(rec "$CRASH_PID" .process.dumpable)" "A: record process.dumpable"
    assert_eq false "$(rec "$CRASH_PID" .process.secure_exec)" "A: record process.secure_exec"
    for f in "$RECORD" "$(core_path "$CRASH_PID")" $(stack_path "$CRASH_PID"); do
        assert_eq "user:$TEST_UID:r--" "$(named_acl_entries "$f")" "A: $(basename "$f") ACL"
        assert_match 'mask::r--' "$(getfacl -n -c -p "$f")" "A: $(basename "$f") ACL mask"
        assert_match 'other::---' "$(getfacl -n -c -p "$f")" "A: $(basename "$f") others have no access"
    done
    OUT=$(as_user sh -c "zstd -q -dc '$(core_path "$CRASH_PID")' | '$CORONER_CHECK_CORE' -" 2>&1) || true
    assert_eq "$CRASH_PID" "$(kv pid "$OUT")" "A: the user can read and decompress the core"
    assert_eq "$CRASH_PID" "$(as_user jq -r .process.pid "$RECORD" 2>&1)" "A: the user can read the record"
fi
USER_PID=$CRASH_PID

# B. Root's crash.
crash_and_wait segv
[ -n "$RECORD" ] && no_access B "$CRASH_PID"

# C. A set-uid-root program run by the user.
CORONER_CRASHER_SAVED=$CORONER_CRASHER
CORONER_CRASHER=$T/bin/suid-crasher
crash_and_wait --as=$TEST_UID:$TEST_UID segv
CORONER_CRASHER=$CORONER_CRASHER_SAVED
if [ -n "$RECORD" ]; then
    assert_eq "$TEST_UID" "$(rec "$CRASH_PID" .process.uid)" "C: record process.uid (the real uid)"
    assert_eq true "$(rec "$CRASH_PID" .process.secure_exec)" "C: record process.secure_exec"
    assert_eq "$T/bin/suid-crasher" "$(rec "$CRASH_PID" .process.exe)" "C: record process.exe"
    assert_eq present "$(rec "$CRASH_PID" .core.state)" "C: the core is still kept (for root)"
    no_access C "$CRASH_PID"
fi

# D. A root process that became the user without exec.
crash_and_wait --become=$TEST_UID:$TEST_UID segv
if [ -n "$RECORD" ]; then
    assert_eq "$TEST_UID" "$(rec "$CRASH_PID" .process.uid)" "D: record process.uid"
    assert_eq 2 "$(rec "$CRASH_PID" .process.dumpable)" "D: record process.dumpable (%d)"
    assert_eq present "$(rec "$CRASH_PID" .core.state)" "D: the core is still kept (for root)"
    no_access D "$CRASH_PID"
fi

# E. A root process that set only its real ids to the user's (setresuid(uid, 0, 0)
# and setresgid, no exec): the kernel names the user (%u) and keeps it dumpable
# (%d = 1) and not AT_SECURE, but its memory is root's.
crash_and_wait --real-uid=$TEST_UID:$TEST_UID segv
if [ -n "$RECORD" ]; then
    assert_eq "$TEST_UID" "$(rec "$CRASH_PID" .process.uid)" "E: record process.uid (the real uid)"
    assert_eq 1 "$(rec "$CRASH_PID" .process.dumpable)" "E: record process.dumpable (%d)"
    assert_eq false "$(rec "$CRASH_PID" .process.secure_exec)" "E: record process.secure_exec"
    assert_match "Uid:[[:space:]]+$TEST_UID[[:space:]]+0[[:space:]]+0[[:space:]]+0" \
        "$(rec "$CRASH_PID" .process.proc.status)" "E: /proc/PID/status shows real $TEST_UID, effective root"
    assert_eq present "$(rec "$CRASH_PID" .core.state)" "E: the core is still kept (for root)"
    no_access E "$CRASH_PID"
else
    fail "E: no record for the setresuid crasher"
fi

# The user's own crash stays readable to them alone.
if [ -n "$(record_path "$USER_PID")" ]; then
    OTHER=$(record_path "$CRASH_PID" || true)
    [ -n "$OTHER" ] && ! as_user cat "$OTHER" >/dev/null 2>&1 && pass "the user reads only their own dumpable crash"
fi
harness_done
