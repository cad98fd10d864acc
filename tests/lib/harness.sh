# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# The end-to-end harness: sourced by every tests/e2e/*.sh (and by tools/demo).
#
# It sends real crashes through the real kernel to the built coroner-handler,
# with a real systemd-journald, without touching anything the machine keeps:
#
#  * Every test runs alone (flock on a lock file shared with anything else
#    that rewrites kernel.core_pattern) and in a private mount namespace
#    (the script re-executes itself under `unshare -m --propagation private`).
#  * In that namespace tmpfs hides /run/systemd, /run/log and /var/log/journal,
#    so the only journald there is the one private_journal_start starts, and a
#    test that starts none proves the handler copes with journald absent.
#  * The kernel runs a core_pattern pipe helper in the init mount namespace,
#    where the private store and journald are invisible; so the pattern is
#    `|nsenter -t <this shell> -m <handler> ...`.  nsenter keeps fd 3, the
#    kernel's %F pidfd, open across its exec.
#  * kernel.core_pattern, core_pipe_limit and fs.suid_dumpable are saved and
#    restored exactly by an EXIT/INT/TERM trap.
#
# A typical test:
#   source "$CORONER_TEST_LIB/harness.sh"
#   harness_init "$@"
#   store_config            # writes $CONFIG for the private store $STORE
#   private_journal_start
#   core_pattern_use "$CORONER_HANDLER" "$CONFIG"
#   crash_and_wait segv
#   assert_eq 11 "$(rec "$CRASH_PID" .signal.number)" "signal number"
#   harness_done
#
# Assertions never stop a test: each failure is printed and counted, and the
# test exits 1 at the end if any failed.  Setup errors (die) stop it at once.

set -eEuo pipefail
shopt -s nullglob

CORONER_SOURCE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${CORONER_BUILD_DIR:=$CORONER_SOURCE_ROOT/build}"
: "${CORONER_HANDLER:=$CORONER_BUILD_DIR/handler/coroner-handler}"
: "${CORONER_CRASHER:=$CORONER_BUILD_DIR/tests/programs/crasher}"
: "${CORONER_CHECK_CORE:=$CORONER_BUILD_DIR/tests/programs/check-core}"
: "${CORONER_WITH_PIDFD:=$CORONER_BUILD_DIR/tests/programs/with-pidfd}"
# Shared with every other tool of this project that rewrites core_pattern.
: "${CORONER_CORE_PATTERN_LOCK:=/run/lock/coroner-core-pattern.lock}"
: "${CORONER_TIMEOUT:=30}"
export CORONER_BUILD_DIR CORONER_HANDLER CORONER_CRASHER CORONER_CHECK_CORE CORONER_WITH_PIDFD

JOURNAL_MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1
TEST_NAME=${TEST_NAME:-$(basename "${0%.sh}")}
HARNESS_FAILURES=0
HARNESS_CHECKS=0
HARNESS_CLEANUPS=()
# Extra tools a test needs; set before harness_init.
HARNESS_TOOLS=(${HARNESS_TOOLS[@]+"${HARNESS_TOOLS[@]}"})
JOURNALD_PID=
BOOT_ID=$(tr -d '-' </proc/sys/kernel/random/boot_id)

# ---------------------------------------------------------------- reporting

log() { printf '[%s] %s\n' "$TEST_NAME" "$*" >&2; }

die() {
    printf '[%s] FATAL: %s\n' "$TEST_NAME" "$*" >&2
    exit 1
}

pass() {
    HARNESS_CHECKS=$((HARNESS_CHECKS + 1))
    printf '[%s] ok: %s\n' "$TEST_NAME" "$1" >&2
}

fail() {
    HARNESS_CHECKS=$((HARNESS_CHECKS + 1))
    HARNESS_FAILURES=$((HARNESS_FAILURES + 1))
    printf '[%s] FAIL: %s\n' "$TEST_NAME" "$1" >&2
    shift
    local line
    for line in "$@"; do printf '[%s]       %s\n' "$TEST_NAME" "$line" >&2; done
}

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
    if [ "$1" = "$2" ]; then pass "$3 = '$1'"; else fail "$3" "expected: '$1'" "actual:   '$2'"; fi
}

assert_ne() {
    if [ "$1" != "$2" ]; then pass "$3 ('$2' != '$1')"; else fail "$3" "expected anything but: '$1'"; fi
}

# assert_match ERE ACTUAL WHAT
assert_match() {
    if [[ $2 =~ $1 ]]; then pass "$3 ~ /$1/"; else fail "$3" "expected to match: /$1/" "actual: '$2'"; fi
}

# assert_contains NEEDLE HAYSTACK WHAT (fixed string)
assert_contains() {
    if [[ $2 == *"$1"* ]]; then
        pass "$3 contains '$1'"
    else
        fail "$3" "expected to contain: '$1'" "actual: $(printf '%s' "$2" | head -c 2000)"
    fi
}

assert_not_contains() {
    if [[ $2 != *"$1"* ]]; then pass "$3 does not contain '$1'"; else fail "$3" "unexpectedly contains: '$1'"; fi
}

# assert_cmd WHAT -- COMMAND...: the command succeeds.
assert_cmd() {
    local what=$1
    shift
    [ "$1" = "--" ] && shift
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then pass "$what"; else fail "$what" "command: $*" "exit: $rc" "$out"; fi
}

# assert_le A B WHAT: integers, A <= B.
assert_le() {
    if [ "$1" -le "$2" ] 2>/dev/null; then pass "$3 ($1 <= $2)"; else fail "$3" "expected $1 <= $2"; fi
}

assert_file() {
    if [ -f "$1" ] && [ ! -L "$1" ]; then pass "$2: $1 exists"; else fail "$2" "no regular file $1"; fi
}

assert_no_file() {
    if [ ! -e "$1" ] && [ ! -L "$1" ]; then pass "$2: $1 absent"; else fail "$2" "$1 exists"; fi
}

# ------------------------------------------------------------ prerequisites

# require_root [TOOL...]: root and every tool present, or fail loudly.
# These tests never skip: a machine that cannot run them fails them.
require_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (they drive kernel.core_pattern); run the suite with sudo"
    local tool missing=()
    for tool in unshare nsenter flock mount timeout jq zstd "$@"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (run tools/bootstrap)"
    [ -w /proc/sys/kernel/core_pattern ] || die "/proc/sys/kernel/core_pattern is not writable here"
}

require_built() {
    local f
    for f in "$@"; do
        [ -x "$f" ] || die "not built: $f (run: meson setup build && ninja -C build)"
    done
}

# use_hook_crasher [cxx]: the crasher is libcoroner-hook's sample crasher
# (CORONER_HOOK_CRASHER, or CORONER_HOOK_CRASHER_CXX; else the build
# directory's).  In a sanitizer build it is instrumented too: ASan must leave
# the crash signals to the hook, and RLIMIT_CORE alone (it would set it to 0).
use_hook_crasher() {
    if [ "${1:-}" = cxx ]; then
        CORONER_CRASHER=${CORONER_HOOK_CRASHER_CXX:-$CORONER_BUILD_DIR/kcrash-like/coroner-hook-crasher-cxx}
    else
        CORONER_CRASHER=${CORONER_HOOK_CRASHER:-$CORONER_BUILD_DIR/kcrash-like/coroner-hook-crasher}
    fi
    export CORONER_CRASHER
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:disable_coredump=0"
}

# ------------------------------------------------------------------ cleanup

# on_exit COMMAND: run at exit, last registered first.
on_exit() { HARNESS_CLEANUPS+=("$1"); }

harness_exit() {
    local rc=$? i
    trap - EXIT INT TERM ERR
    set +e
    for ((i = ${#HARNESS_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${HARNESS_CLEANUPS[i]}"
    done
    if [ "$rc" -eq 0 ] && [ "$HARNESS_FAILURES" -gt 0 ]; then rc=1; fi
    if [ "$rc" -ne 0 ]; then
        log "FAILED ($HARNESS_FAILURES of $HARNESS_CHECKS checks failed, exit $rc)"
    else
        log "passed ($HARNESS_CHECKS checks)"
    fi
    exit "$rc"
}

# harness_traps: every shell suite's exit paths (harness_exit runs what on_exit registered).
harness_traps() {
    trap harness_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'harness_err $?' ERR
}

# harness_scratch_dirs: the store, the config path and the log directory below $T.
harness_scratch_dirs() {
    STORE=$T/store
    CONFIG=$T/c
    LOGDIR=$T/log
    mkdir -p "$LOGDIR"
    mkdir -m 0755 "$STORE"
}

# wait_for COND SECONDS: polls the shell condition every 0.2 s; false if it never held.
wait_for() {
    local cond=$1 limit=$2 i
    for ((i = 0; i < limit * 5; i++)); do
        if eval "$cond"; then return 0; fi
        sleep 0.2
    done
    return 1
}

# stop_process VAR [SIGNAL [TENTHS]]: ends the process of ours whose pid is in $VAR: SIGNAL
# (TERM), up to TENTHS tenths of a second (100) to go, then KILL; reaps it and empties VAR.
stop_process() {
    local var=$1 sig=${2:-TERM} tenths=${3:-100} pid i
    pid=${!var:-}
    [ -n "$pid" ] || return 0
    kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < tenths; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf -v "$var" '%s' ''
}

harness_err() {
    # Inside $(...) a failure is the caller's to judge; set -e does not stop there.
    [ "$BASH_SUBSHELL" -eq 0 ] || return 0
    log "FATAL: command failed (exit $1) at ${BASH_SOURCE[1]}:${BASH_LINENO[0]}: $BASH_COMMAND"
}

# ------------------------------------------------------------------- set-up

# harness_init "$@": lock, private mount namespace, private runtime dirs,
# a scratch directory $T (tmpfs) and the default store $STORE.
harness_init() {
    require_root "${HARNESS_TOOLS[@]}"
    if [ "${CORONER_E2E_IN_NAMESPACE:-}" != "$TEST_NAME" ]; then
        # Serialise against every other e2e test and core_pattern user.  The
        # descriptor is inherited by the re-executed script and held until it
        # exits.
        mkdir -p "$(dirname "$CORONER_CORE_PATTERN_LOCK")"
        exec 9>>"$CORONER_CORE_PATTERN_LOCK"
        if ! flock -n 9; then
            log "waiting for $CORONER_CORE_PATTERN_LOCK (another test or tool is using core_pattern)"
        fi
        if ! flock -w 1200 9; then die "could not take $CORONER_CORE_PATTERN_LOCK within 20 minutes"; fi
        export CORONER_E2E_IN_NAMESPACE=$TEST_NAME
        # The initial mount namespace, kept open for core_pattern_write.
        exec {HARNESS_INIT_MNT_FD}</proc/self/ns/mnt
        export HARNESS_INIT_MNT_FD
        exec unshare -m --propagation private -- "$BASH" "$0" "$@"
    fi
    unset CORONER_E2E_IN_NAMESPACE

    harness_traps

    # Short paths: the whole core_pattern must fit in 127 bytes.
    T=$(mktemp -d /tmp/ce.XXXXXX)
    mount -t tmpfs -o mode=0755,size=2G coroner-e2e "$T"
    on_exit "harness_remove_scratch"
    harness_scratch_dirs

    # Nothing of the machine's journald (if any) is visible from here on.
    mount -t tmpfs -o mode=0755 coroner-e2e /run/systemd
    mount -t tmpfs -o mode=0755 coroner-e2e /run/log
    mkdir -p /var/log/journal
    mount -t tmpfs -o mode=2755 coroner-e2e /var/log/journal
    export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 SYSTEMD_LESS=
    log "scratch $T, namespace $(readlink /proc/$$/ns/mnt)"
}

harness_remove_scratch() {
    save_artifacts
    umount -l "$T" 2>/dev/null
    rmdir "$T" 2>/dev/null
}

# On failure, keep the records and logs (never the cores) for the CI log.
save_artifacts() {
    [ "$HARNESS_FAILURES" -gt 0 ] || return 0
    local dest=${CORONER_ARTIFACTS:-$CORONER_BUILD_DIR/meson-logs/e2e}/$TEST_NAME
    rm -rf "$dest" && mkdir -p "$dest" || return 0
    cp -r "$LOGDIR" "$dest/" 2>/dev/null
    find "$T" -name '*.json' -exec cp {} "$dest/" \; 2>/dev/null
    ls -laR "$T" >"$dest/scratch-listing.txt" 2>&1
    log "artifacts kept in $dest"
}

harness_done() { exit 0; }

# store_config [EXTRA KEYFILE LINES...]: writes $CONFIG with [Store] Path=$STORE.
# Extra lines are "Group.Key=Value" and override the defaults below.
store_config() {
    local path=$STORE compress=yes journal=yes
    {
        printf '[Store]\nPath=%s\nCompress=%s\n' "$path" "$compress"
        printf '[Journal]\nEnabled=%s\nTimeout=5\n' "$journal"
    } >"$CONFIG"
    local line
    for line in "$@"; do config_set "$line"; done
}

# store_and_journal [EXTRA KEYFILE LINES...]: store_config, then a private
# journald: what every test of a crash's record and journal entry starts with.
store_and_journal() {
    store_config "$@"
    private_journal_start
}

# handler_via_kernel [EXTRA KEYFILE LINES...]: store_and_journal, and the
# kernel's core_pattern pointing at coroner-handler with that $CONFIG.
handler_via_kernel() {
    store_and_journal "$@"
    core_pattern_use "$CORONER_HANDLER" "$CONFIG"
}

# config_set Group.Key=Value: sets (or adds) a key in $CONFIG.
config_set() {
    local group=${1%%.*} rest=${1#*.}
    local key=${rest%%=*} value=${rest#*=}
    python3_ok || die "python3 needed for config_set"
    /usr/bin/python3 - "$CONFIG" "$group" "$key" "$value" <<'EOF'
import sys
path, group, key, value = sys.argv[1:]
lines = open(path).read().splitlines()
out, cur, done = [], None, False
for line in lines:
    s = line.strip()
    if s.startswith('[') and s.endswith(']'):
        if cur == group and not done:
            out.append(f'{key}={value}'); done = True
        cur = s[1:-1]
    elif cur == group and s.split('=', 1)[0].strip() == key:
        if not done:
            out.append(f'{key}={value}'); done = True
        continue
    out.append(line)
if not done:
    if cur != group:
        out.append(f'[{group}]')
    out.append(f'{key}={value}')
open(path, 'w').write('\n'.join(out) + '\n')
EOF
}

python3_ok() { [ -x /usr/bin/python3 ]; }

# private_dir PATH: PATH exists from here on, empty and private to this
# namespace, whatever the machine has there: its nearest existing ancestor is
# covered by an overlay whose writable layer is on the scratch tmpfs, so
# nothing is created or changed on the machine.
private_dir() {
    local path=$1 base
    base=$path
    while [ ! -d "$base" ]; do base=$(dirname "$base"); done
    local layer
    layer=$(mktemp -d "$T/overlay.XXXXXX")
    mkdir "$layer/upper" "$layer/work"
    mount -t overlay coroner-e2e -o "lowerdir=$base,upperdir=$layer/upper,workdir=$layer/work" "$base" ||
        die "cannot cover $base with an overlay"
    if [ -e "$path" ]; then
        rm -rf "${path:?}"
    fi
    mkdir -p "$path"
    mount -t tmpfs -o mode=0755 coroner-e2e "$path"
}

# ---------------------------------------------------------------- journald

# private_journal_start: a real systemd-journald, private to this namespace.
private_journal_start() {
    local journald=/lib/systemd/systemd-journald
    [ -x "$journald" ] || journald=/usr/lib/systemd/systemd-journald
    [ -x "$journald" ] || die "systemd-journald not found"
    "$journald" >"$LOGDIR/journald.log" 2>&1 9>&- &
    JOURNALD_PID=$!
    on_exit "private_journal_stop"
    local i
    for ((i = 0; i < 100; i++)); do
        [ -S /run/systemd/journal/socket ] && break
        kill -0 "$JOURNALD_PID" 2>/dev/null || die "journald exited: $(cat "$LOGDIR/journald.log")"
        sleep 0.1
    done
    [ -S /run/systemd/journal/socket ] || die "journald did not create its socket within 10 s"
    log "private journald $JOURNALD_PID"
}

private_journal_stop() { stop_process JOURNALD_PID TERM 50; }

# journal_sync: ask journald to write out everything it has (SIGRTMIN+1), and
# wait for it to say so.
journal_sync() {
    [ -n "$JOURNALD_PID" ] || return 0
    local before after i
    before=$(stat -c %Y.%y /run/systemd/journal/synced 2>/dev/null || echo none)
    kill -s RTMIN+1 "$JOURNALD_PID" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        after=$(stat -c %Y.%y /run/systemd/journal/synced 2>/dev/null || echo none)
        [ "$after" != "$before" ] && return 0
        sleep 0.1
    done
}

# journal_entry PID: the crash's journal entry as one JSON object (empty if none
# appeared within the timeout).
journal_entry() {
    local pid=$1 i out
    for ((i = 0; i < CORONER_TIMEOUT * 10; i++)); do
        journal_sync
        # --all: without it journalctl writes null for fields over 4 KiB.
        out=$(journalctl --no-pager --all -o json MESSAGE_ID=$JOURNAL_MESSAGE_ID "COREDUMP_PID=$pid" 2>/dev/null | tail -n 1)
        if [ -n "$out" ]; then
            printf '%s\n' "$out"
            return 0
        fi
        sleep 0.1
    done
    return 0
}

# jfield ENTRY FIELD: one field of a journal entry, as raw bytes (journalctl
# writes fields that are not valid UTF-8 as arrays of bytes).
jfield() {
    /usr/bin/python3 -c '
import json, sys
v = json.loads(sys.argv[1]).get(sys.argv[2])
if isinstance(v, list):
    v = v[0] if v and isinstance(v[0], (list, str)) else v
if v is None:
    v = b""
elif isinstance(v, list):
    v = bytes(v)
else:
    v = str(v).encode("utf-8", "surrogateescape")
sys.stdout.buffer.write(v)' "$1" "$2"
}

# ------------------------------------------------------------- core_pattern

# core_pattern_use HANDLER CONFIG: route every core on the machine into this
# namespace's handler until the test exits.
core_pattern_use() {
    local handler=$1 config=$2
    # Short aliases keep the pattern under the kernel's 128-byte limit.
    ln -sf "$(readlink -f "$handler")" "$T/h"
    [ "$config" = "$T/c" ] || ln -sf "$config" "$T/c"
    local pattern="|/usr/bin/nsenter -t $$ -m $T/h --config=$T/c %P %u %g %s %t %c %h %d %F %I %e"
    core_pattern_set "$pattern"
}

# The machine's own settings, as last seen by a test that found them in place.
# A tool that saved our pattern while a test ran and put it back after the
# test had restored the original (tools/bootstrap does this around apt-get)
# leaves a pattern pointing into a namespace that no longer exists; the next
# test then restores these instead of that dead pattern.
CORE_PATTERN_ORIGINAL=${CORONER_CORE_PATTERN_LOCK%.lock}.original

# is_stale_harness_pattern PATTERN: one of ours, from another test.  We hold
# the lock, and every test holds it while its pattern is in place, so that
# test is over.
is_stale_harness_pattern() {
    [[ $1 =~ ^\|/usr/bin/nsenter\ -t\ ([0-9]+)\ -m\ /tmp/ce\. ]] && [ "${BASH_REMATCH[1]}" != $$ ]
}

core_pattern_save() {
    SAVED_CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
    SAVED_CORE_PIPE_LIMIT=$(cat /proc/sys/kernel/core_pipe_limit)
    SAVED_SUID_DUMPABLE=$(cat /proc/sys/fs/suid_dumpable)
    if is_stale_harness_pattern "$SAVED_CORE_PATTERN"; then
        if [ -f "$CORE_PATTERN_ORIGINAL" ]; then
            log "WARNING: core_pattern is a dead test's ('$SAVED_CORE_PATTERN'); will restore the machine's own from $CORE_PATTERN_ORIGINAL"
            {
                IFS= read -r SAVED_CORE_PATTERN
                IFS= read -r SAVED_CORE_PIPE_LIMIT
                IFS= read -r SAVED_SUID_DUMPABLE
            } <"$CORE_PATTERN_ORIGINAL"
        else
            log "WARNING: core_pattern is a dead test's ('$SAVED_CORE_PATTERN') and the machine's own is unknown"
        fi
    else
        printf '%s\n' "$SAVED_CORE_PATTERN" "$SAVED_CORE_PIPE_LIMIT" "$SAVED_SUID_DUMPABLE" \
            >"$CORE_PATTERN_ORIGINAL.tmp" && mv "$CORE_PATTERN_ORIGINAL.tmp" "$CORE_PATTERN_ORIGINAL"
    fi
    on_exit "core_pattern_restore"
}

# core_pattern_write VALUE: writes kernel.core_pattern.  The kernel accepts a
# coredump socket ("@PATH", "@@PATH") only from the initial mount namespace,
# where the socket is looked up: that write goes through the namespace
# harness_init kept open.
core_pattern_write() {
    if [[ $1 == @* ]]; then
        nsenter --mount="/proc/self/fd/$HARNESS_INIT_MNT_FD" sh -c 'printf "%s\n" "$1" >/proc/sys/kernel/core_pattern' sh "$1"
    else
        printf '%s\n' "$1" >/proc/sys/kernel/core_pattern
    fi
}

# core_pattern_set PATTERN: any pattern (saved and restored the same way).
core_pattern_set() {
    local pattern=$1
    [ ${#pattern} -lt 128 ] || die "core_pattern too long (${#pattern} bytes, the kernel keeps 127): $pattern"
    if [ -z "${SAVED_CORE_PATTERN+x}" ]; then
        core_pattern_save
        log "saved core_pattern '$SAVED_CORE_PATTERN', core_pipe_limit $SAVED_CORE_PIPE_LIMIT, suid_dumpable $SAVED_SUID_DUMPABLE"
    fi
    # Keep /proc/PID around until the handler is done with it; let processes
    # that made themselves non-dumpable still reach the handler (root-only).
    echo 16 >/proc/sys/kernel/core_pipe_limit
    echo 2 >/proc/sys/fs/suid_dumpable
    core_pattern_write "$pattern"
    [ "$(cat /proc/sys/kernel/core_pattern)" = "$pattern" ] || die "core_pattern did not take: $(cat /proc/sys/kernel/core_pattern)"
    CURRENT_CORE_PATTERN=$pattern
    ulimit -c unlimited
}

core_pattern_restore() {
    [ -n "${SAVED_CORE_PATTERN+x}" ] || return 0
    local now
    now=$(cat /proc/sys/kernel/core_pattern)
    if [ "$now" != "$CURRENT_CORE_PATTERN" ]; then
        log "WARNING: core_pattern was changed by someone else during the test: '$now'"
    fi
    core_pattern_write "$SAVED_CORE_PATTERN"
    printf '%s\n' "$SAVED_CORE_PIPE_LIMIT" >/proc/sys/kernel/core_pipe_limit
    printf '%s\n' "$SAVED_SUID_DUMPABLE" >/proc/sys/fs/suid_dumpable
    if [ "$(cat /proc/sys/kernel/core_pattern)" = "$SAVED_CORE_PATTERN" ] &&
        [ "$(cat /proc/sys/kernel/core_pipe_limit)" = "$SAVED_CORE_PIPE_LIMIT" ] &&
        [ "$(cat /proc/sys/fs/suid_dumpable)" = "$SAVED_SUID_DUMPABLE" ]; then
        log "restored core_pattern '$SAVED_CORE_PATTERN'"
    else
        log "ERROR: could not restore core_pattern/core_pipe_limit/suid_dumpable"
        HARNESS_FAILURES=$((HARNESS_FAILURES + 1))
    fi
    unset SAVED_CORE_PATTERN
}

# make_real_core OUT CRASHER-ARGS...: a real kernel core of a crasher, written
# by the kernel itself through a `cat` pipe (no Coroner code involved).  Sets
# CRASH_PID.  Leaves core_pattern at the cat pipe: call core_pattern_use after.
make_real_core() {
    local out=$1
    shift
    printf '#!/bin/sh\nexec cat >"%s"\n' "$out" >"$T/cat-core"
    chmod 0755 "$T/cat-core"
    core_pattern_set "|/usr/bin/nsenter -t $$ -m $T/cat-core"
    run_crasher "$@"
    # The kernel reaps the crasher only after the pipe's reader is done.
    wait_for "[ -s '$out' ]" 5 || true
    "$CORONER_CHECK_CORE" "$out" >"$LOGDIR/real-core.check" || die "make_real_core: not a valid core: $(cat "$LOGDIR/real-core.check")"
}

# ----------------------------------------------------------------- crashing

# run_crasher [--as=UID:GID] ARGS...: runs the crasher until it dies; sets
# CRASH_PID and CRASH_STATUS (128 + signal when it died of a signal).
run_crasher() {
    local -a prefix=()
    if [[ ${1:-} == --as=* ]]; then
        local ids=${1#--as=}
        prefix=(setpriv "--reuid=${ids%%:*}" "--regid=${ids#*:}" --clear-groups --)
        shift
    fi
    local log=$LOGDIR/crasher.$RANDOM.log
    CRASH_STATUS=0
    # Exec'd directly (setpriv execs too), so $! is the crasher's own PID.
    "${prefix[@]}" "$CORONER_CRASHER" "$@" >"$log" 2>&1 9>&- &
    CRASH_PID=$!
    # (2>/dev/null: bash's "Segmentation fault (core dumped)" note is expected here.)
    wait "$CRASH_PID" 2>/dev/null || CRASH_STATUS=$?
    mv "$log" "$LOGDIR/crasher.$CRASH_PID.log"
    log "crasher $* -> pid $CRASH_PID, status $CRASH_STATUS"
}

# record_path PID [STORE]: the path of PID's record (any comm, any uid).
record_path() {
    local pid=$1 store=${2:-$STORE}
    local f
    for f in "$store"/core.*.*."$BOOT_ID.$pid".*.json; do
        printf '%s\n' "$f"
        return 0
    done
    return 1
}

# handler_running PID: a coroner-handler for PID still runs (its argv after
# --config is PID UID ...).
handler_running() {
    local pid=$1 p
    for p in /proc/[0-9]*; do
        local -a argv=()
        mapfile -d '' -t argv 2>/dev/null <"$p/cmdline" || continue
        [ ${#argv[@]} -ge 3 ] || continue
        case ${argv[0]} in */coroner-handler | coroner-handler | "$T/h") ;; *) continue ;; esac
        local a
        for a in "${argv[@]:1:2}"; do [ "$a" = "$pid" ] && return 0; done
    done
    return 1
}

# wait_handler PID [SECONDS]: waits until no handler for PID runs; fails the
# test if one still runs after the timeout (the handler must never hang).
wait_handler() {
    local pid=$1 limit=${2:-$CORONER_TIMEOUT} i
    for ((i = 0; i < limit * 10; i++)); do
        handler_running "$pid" || return 0
        sleep 0.1
    done
    fail "coroner-handler for pid $pid still running after ${limit}s"
    return 1
}

# wait_record PID [SECONDS]: sets RECORD to the record's path once the handler
# is done; fails the check if none appears.
wait_record() {
    local pid=$1 limit=${2:-$CORONER_TIMEOUT} i
    RECORD=
    for ((i = 0; i < limit * 10; i++)); do
        if RECORD=$(record_path "$pid"); then break; fi
        RECORD=
        sleep 0.1
    done
    wait_handler "$pid" "$limit" || true
    [ -n "$RECORD" ] || RECORD=$(record_path "$pid") || RECORD=
    if [ -z "$RECORD" ]; then
        fail "no crash record for pid $pid in $STORE within ${limit}s" "store: $(ls -A "$STORE" | tr '\n' ' ')"
        return 1
    fi
    pass "crash record for pid $pid: $(basename "$RECORD")"
}

# crash_and_wait [--as=UID:GID] CRASHER-ARGS...: crash, then wait for the
# record.  Sets CRASH_PID, CRASH_STATUS, RECORD.
crash_and_wait() {
    run_crasher "$@"
    wait_record "$CRASH_PID" || true
}

# record_of PID: the path of PID's record.
record_of() { record_path "$1"; }

# rec PID JQ-FILTER: a value from PID's record ("" when absent or null).
rec() {
    local f
    f=$(record_path "$1") || {
        echo ""
        return 0
    }
    jq -r "($2) | if . == null then \"\" elif type == \"array\" or type == \"object\" then tojson else tostring end" "$f"
}

# core_path PID: the stored core named by PID's record.
core_path() {
    local file
    file=$(rec "$1" .core.file)
    [ -n "$file" ] && printf '%s/%s\n' "$STORE" "$file"
}

# check_core_kv KEY OUTPUT: a value from check-core's output.
kv() { printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1; }

# signal_name N: "SEGV" for 11.
signal_name() { kill -l "$1"; }

# escape_comm NAME: the file-name form systemd-coredump uses (xescape_full
# with ".", "/", " " and every byte outside printable ASCII as \xNN).
escape_comm() {
    /usr/bin/python3 -c '
import sys
out = []
for b in sys.argv[1].encode("utf-8", "surrogateescape"):
    c = chr(b)
    if b < 0x20 or b >= 0x7f or c in "./ \\":
        out.append("\\x%02x" % b)
    else:
        out.append(c)
print("".join(out))' "$1"
}

# ----------------------------------------------------- direct invocation

# run_handler [--stdin=FILE] [--pidfd=PID] ARGS...: runs the handler as a
# manual invocation (stderr open) with a time limit, with a pidfd for PID on
# fd 3 if asked; sets HANDLER_RC and HANDLER_STDERR.
run_handler() {
    local input=/dev/null
    local -a prefix=()
    while [ $# -gt 0 ]; do
        case $1 in
        --stdin=*) input=${1#--stdin=} ;;
        --pidfd=*) prefix=("$CORONER_WITH_PIDFD" "${1#--pidfd=}" 3) ;;
        *) break ;;
        esac
        shift
    done
    HANDLER_RC=0
    timeout 60 "${prefix[@]}" "$CORONER_HANDLER" "$@" <"$input" >"$LOGDIR/handler.out" 2>"$LOGDIR/handler.err" 9>&- ||
        HANDLER_RC=$?
    HANDLER_STDERR=$(cat "$LOGDIR/handler.err")
    [ "$HANDLER_RC" -ne 124 ] || fail "coroner-handler $* did not finish within 60 s"
    log "handler $* <$input -> exit $HANDLER_RC${HANDLER_STDERR:+, stderr: $HANDLER_STDERR}"
}

# kernel_args PID SIGNAL [PIDFD] [COMM] [TIME] [RLIMIT]: the 11 arguments the
# kernel would pass (uid/gid 0, dump mode 1), one per line for mapfile.
kernel_args() {
    local pid=$1 sig=$2 pidfd=${3:--} comm=${4:-crasher} ts=${5:-$(date +%s)}
    local rlimit=${6:-18446744073709551615}
    printf '%s\n' "$pid" 0 0 "$sig" "$ts" "$rlimit" "$(uname -n)" 1 "$pidfd" "$pid" "$comm"
}

# start_sleeper: a live crasher that sleeps (the "crashed" process of a manual
# invocation); sets SLEEPER_PID.  It is killed (SIGKILL: no core) at exit.
start_sleeper() {
    "$CORONER_CRASHER" --sleep=600 segv >/dev/null 2>&1 9>&- &
    SLEEPER_PID=$!
    on_exit "kill -KILL $SLEEPER_PID 2>/dev/null; wait $SLEEPER_PID 2>/dev/null"
    # Until it has exec'd, /proc/PID is still this shell's child bash.
    local i
    for ((i = 0; i < 50; i++)); do
        [ "$(readlink "/proc/$SLEEPER_PID/exe" 2>/dev/null)" = "$(readlink -f "$CORONER_CRASHER")" ] && return 0
        sleep 0.1
    done
    die "the sleeper did not start"
}

# shellcheck source=crash-checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/crash-checks.sh"
