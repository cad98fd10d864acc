#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Debian packages, for real, on this machine (root):
#   1. dpkg-buildpackage -us -uc -b in a clean clone of the source tree's HEAD;
#   2. lintian on the .changes: no error, no warning;
#   3. apt-get install ./*.deb: the coroner user, the kernel switched over
#      (socket mode under systemd where the kernel has it, else pipe mode),
#      the old settings saved, systemd-coredump's sysctl snippet masked, the
#      reporter's autostart file and user unit; a crash of a test program is
#      found by the installed coronerctl list;
#   4. remove: the kernel settings byte-identical to before, the store kept;
#   5. purge: the store gone, and no file left behind that was not there
#      before, but for those Debian policy allows (caches that triggers
#      regenerate, the system user's entries, backups of the user databases).
# kernel.core_pattern is rewritten only while the core_pattern lock is held,
# and put back (with the packages purged) on every exit path.
set -Eeuo pipefail
shopt -s nullglob

src=$(cd "${1:?usage: package.sh SOURCE_TREE}" && pwd)
lock=${CORONER_CORE_PATTERN_LOCK:-/run/lock/coroner-core-pattern.lock}
packages=(coroner coroner-reporter coroner-upload libcoroner-hook0 libcoroner-hook-dev)
failures=0
t0=$SECONDS

log() { printf '[package] %3ds %s\n' $((SECONDS - t0)) "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
pass() { log "ok: $*"; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

[ "$(id -u)" -eq 0 ] || die "needs root: it installs packages and rewrites kernel.core_pattern"
for tool in git dpkg-buildpackage lintian apt-get jq flock desktop-file-validate; do
    command -v "$tool" >/dev/null || die "$tool is missing (tools/bootstrap installs it)"
done
for p in "${packages[@]}"; do
    if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$'; then
        die "$p is installed on this machine: the test would remove it"
    fi
done

work=$(mktemp -d /var/tmp/coroner-package.XXXXXX)
user_existed=no
getent passwd coroner >/dev/null && user_existed=yes
group_existed=no
getent group coroner >/dev/null && group_existed=yes
store_backup=
locked=no
saved_pattern= saved_pipe_limit= saved_suid=

installed_packages() {
    dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${packages[@]}" 'coroner*' 'libcoroner*' \
        2>/dev/null | awk '$1 != "not-installed" { print $2 }' | sort -u || true
}
is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local left
    left=$(installed_packages)
    if [ -n "$left" ]; then
        log "cleanup: purging $(echo $left)"
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive dpkg --purge $left >/dev/null 2>&1 || true
    fi
    if [ "$locked" = yes ]; then
        [ "$(cat /proc/sys/kernel/core_pattern)" = "$saved_pattern" ] ||
            printf '%s\n' "$saved_pattern" >/proc/sys/kernel/core_pattern || true
        [ "$(cat /proc/sys/kernel/core_pipe_limit)" = "$saved_pipe_limit" ] ||
            printf '%s\n' "$saved_pipe_limit" >/proc/sys/kernel/core_pipe_limit || true
        [ "$(cat /proc/sys/fs/suid_dumpable)" = "$saved_suid" ] ||
            printf '%s\n' "$saved_suid" >/proc/sys/fs/suid_dumpable || true
    fi
    # Debian leaves system users in place on purge (files may still be owned
    # by them); this machine gets back the state it had, so a user the
    # packages created goes.
    if [ "$user_existed" = no ] && getent passwd coroner >/dev/null; then
        userdel coroner 2>/dev/null || log "cleanup: could not remove the coroner user"
    fi
    if [ "$group_existed" = no ] && getent group coroner >/dev/null; then
        groupdel coroner 2>/dev/null || true
    fi
    if [ -n "$store_backup" ]; then
        rm -rf /var/lib/coroner
        mv "$store_backup" /var/lib/coroner
    fi
    # CORONER_PACKAGE_KEEP=DIR keeps the packages and the logs of this run.
    if [ -n "${CORONER_PACKAGE_KEEP:-}" ]; then
        mkdir -p "$CORONER_PACKAGE_KEEP"
        cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$work"/*.log "$CORONER_PACKAGE_KEEP"/ 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------- build
# CORONER_PACKAGE_DEBS=DIR reuses the packages and .changes of an earlier
# build (when working on the maintainer scripts' checks).
if [ -n "${CORONER_PACKAGE_DEBS:-}" ]; then
    cp "$CORONER_PACKAGE_DEBS"/*.deb "$CORONER_PACKAGE_DEBS"/*.changes "$CORONER_PACKAGE_DEBS"/*.buildinfo "$work"/
else
head=$(git -C "$src" rev-parse HEAD)
git clone --quiet --no-hardlinks "$src" "$work/coroner"
git -C "$work/coroner" checkout --quiet --detach "$head"
log "building the packages from a clean clone of $head"
(
    cd "$work/coroner"
    dpkg-checkbuilddeps
    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1
) || { tail -40 "$work/build.log" >&2; die "dpkg-buildpackage failed"; }
fi
debs=("$work"/*.deb)
log "built: $(cd "$work" && echo *.deb)"
for p in "${packages[@]}"; do
    check "the package $p is built" test -f "$work/${p}_"*.deb
done

log "lintian"
lintian_out=$(lintian --fail-on error,warning --tag-display-limit 0 "$work"/*.changes 2>&1) ||
    fail "lintian reports errors or warnings"
lintian_out=$(grep -v 'running with root privileges' <<<"$lintian_out" || true)
if grep -qE '^[EW]: ' <<<"$lintian_out"; then
    fail "lintian: $(grep -E '^[EW]: ' <<<"$lintian_out")"
else
    pass "lintian: no error and no warning${lintian_out:+ ($(wc -l <<<"$lintian_out") notes)}"
fi

# ------------------------------------------- the machine, before installing
# Paths of the file systems packages write to, for the piuparts-style check.
snapshot() {
    find /etc /usr /var /opt /srv -xdev \
        \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
        -o -path /var/tmp -o -path /var/backups -o -path /var/lib/systemd/coredump \
        -o -path /var/mail -o -path /var/spool \) -prune -o -print 2>/dev/null | sort
}

exec 9>>"$lock"
log "waiting for the core_pattern lock"
flock 9
locked=yes
saved_pattern=$(cat /proc/sys/kernel/core_pattern)
saved_pipe_limit=$(cat /proc/sys/kernel/core_pipe_limit)
saved_suid=$(cat /proc/sys/fs/suid_dumpable)
cp /proc/sys/kernel/core_pattern "$work/core_pattern.before"
cp /proc/sys/kernel/core_pipe_limit "$work/core_pipe_limit.before"
cp /proc/sys/fs/suid_dumpable "$work/suid_dumpable.before"
if [ -e /var/lib/coroner ]; then
    store_backup=$work/store-backup
    mv /var/lib/coroner "$store_backup"
fi
snapshot >"$work/files.before"

kernel_as_before() {
    local key status=0
    for key in kernel/core_pattern kernel/core_pipe_limit fs/suid_dumpable; do
        # (cat: cmp takes a /proc file's size of 0 for a difference)
        if ! cat "/proc/sys/$key" | cmp -s - "$work/${key#*/}.before"; then
            log "  $key is “$(cat "/proc/sys/$key")”, was “$(cat "$work/${key#*/}.before")”"
            status=1
        fi
    done
    return "$status"
}

# ----------------------------------------------------------------- install
log "apt-get install ./*.deb"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${debs[@]}" \
    >"$work/install.log" 2>&1; then
    tail -30 "$work/install.log" >&2
    die "apt-get install failed"
fi
for p in "${packages[@]}"; do
    check "$p is installed" is_installed "$p"
done

check "the coroner system user exists" eval "getent passwd coroner >/dev/null"
uid=$(getent passwd coroner | cut -d: -f3 || true)
check "the coroner user is a system user (uid $uid)" test "${uid:-99999}" -lt 1000
check "coronerd's socket unit is enabled" systemctl is-enabled --quiet coroner.socket
check "the coroner user has no login shell" \
    grep -qE ':(/usr/sbin/nologin|/sbin/nologin|/bin/false)$' <<<"$(getent passwd coroner)"

pattern=$(cat /proc/sys/kernel/core_pattern)
if [ -d /run/systemd/system ]; then
    # coroner.socket started: coronerd's socket where the kernel has the
    # protocol, else the pipe handler handing off to it.
    case $pattern in
    "@@/run/coroner/"* | "|/usr/libexec/coroner/coroner-handler "*) pointed=yes ;;
    *) pointed=no ;;
    esac
else
    # No systemd as PID 1 (this CI machine): nothing is started, the pipe
    # handler works alone.
    case $pattern in
    "|/usr/libexec/coroner/coroner-handler "*) pointed=yes ;;
    *) pointed=no ;;
    esac
fi
check "kernel.core_pattern points at Coroner ($pattern)" test "$pointed" = yes
# 0 when the handler hands off to coronerd (coroner-handler --install), or
# what the boot-time snippet says.
pipe_limit=$(cat /proc/sys/kernel/core_pipe_limit)
check "kernel.core_pipe_limit is set for Coroner ($pipe_limit)" \
    eval 'test "$pipe_limit" = 0 || test "kernel.core_pipe_limit=$pipe_limit" = \
        "$(grep "^kernel.core_pipe_limit=" /usr/lib/sysctl.d/50-coroner.conf)"'
check "fs.suid_dumpable is set as 50-coroner.conf says" \
    test "fs.suid_dumpable=$(cat /proc/sys/fs/suid_dumpable)" = \
    "$(grep '^fs.suid_dumpable=' /usr/lib/sysctl.d/50-coroner.conf)"
check "the previous core_pattern is saved" \
    grep -qxF "CorePattern=$saved_pattern" /run/coroner/saved-sysctl
check "systemd-coredump's sysctl snippet is masked" \
    test "$(readlink /etc/sysctl.d/50-coredump.conf)" = /usr/share/coroner/sysctl-coredump-masked.conf
autostart=/etc/xdg/autostart/org.coroner.Reporter-autostart.desktop
check "the reporter's XDG autostart file is installed and valid" desktop-file-validate "$autostart"
check "the reporter's user unit is enabled for every user" \
    test -L /etc/systemd/user/graphical-session.target.wants/coroner-reporter.service
check "coronerctl is installed" test "$(command -v coronerctl)" = /usr/bin/coronerctl
check "coroner-upload.service is installed, not enabled before [Upload] is configured" eval \
    "test -f /lib/systemd/system/coroner-upload.service && ! systemctl is-enabled --quiet coroner-upload.service"

# A crash through the real kernel into the installed handler.
crasher=$work/coroner-pkg-test
cp /usr/bin/sleep "$crasher"
(
    ulimit -c unlimited
    exec "$crasher" 60
) &
crash_pid=$!
sleep 0.2
kill -SEGV "$crash_pid"
wait "$crash_pid" 2>/dev/null || true
found= stored=
for _ in $(seq 1 100); do
    # coronerctl may list the crash before its record is in place.
    stored=$(find /var/lib/coroner -name "*.$crash_pid.*.json" -print -quit 2>/dev/null || true)
    found=$(coronerctl --no-pager list --json 2>/dev/null |
        jq -r --argjson pid "$crash_pid" '.[] | select(.pid == $pid) | .id' 2>/dev/null || true)
    [ -n "$stored" ] && [ -n "$found" ] && break
    sleep 0.3
done
check "the crash is stored in /var/lib/coroner${stored:+ (${stored##*/})}" test -n "$stored"
check "coronerctl list finds the crash of PID $crash_pid${found:+ (id $found)}" test -n "$found"
[ -n "$stored" ] || log "  the store: $(ls /var/lib/coroner 2>&1)"

# ------------------------------------------------------------------ remove
log "apt-get remove"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "${packages[@]}" >"$work/remove.log" 2>&1 ||
    { tail -30 "$work/remove.log" >&2; die "apt-get remove failed"; }
check "after remove, the kernel settings are byte-identical to before" kernel_as_before
check "after remove, the stored crashes are kept" \
    test -n "$(find /var/lib/coroner -name '*.json' -print -quit 2>/dev/null)"
check "after remove, coroner.conf is kept (a conffile)" test -f /etc/coroner/coroner.conf
check "after remove, systemd-coredump's sysctl snippet is unmasked" \
    test ! -L /etc/sysctl.d/50-coredump.conf

# ------------------------------------------------------------------- purge
log "dpkg --purge"
DEBIAN_FRONTEND=noninteractive dpkg --purge "${packages[@]}" >"$work/purge.log" 2>&1 ||
    { tail -30 "$work/purge.log" >&2; die "apt-get purge failed"; }
check "after purge, the kernel settings are byte-identical to before" kernel_as_before
check "after purge, /var/lib/coroner is gone" test ! -e /var/lib/coroner
check "after purge, /etc/coroner is gone" test ! -e /etc/coroner
check "after purge, no package is left" test -z "$(installed_packages)"

# What policy allows to stay: the system user (Debian does not remove it),
# backups of the user databases, and caches rebuilt by triggers.
allowed='^(/etc/(passwd|group|shadow|gshadow|subuid|subgid)-?|/etc/\.pwd\.lock|/etc/ld\.so\.cache'
allowed+='|/usr/share/icons/hicolor/icon-theme\.cache|/usr/share/applications/mimeinfo\.cache'
allowed+='|/usr/share/glib-2\.0/schemas/gschemas\.compiled)$'
snapshot >"$work/files.after"
left=$(comm -13 "$work/files.before" "$work/files.after" | grep -Ev "$allowed" || true)
gone=$(comm -23 "$work/files.before" "$work/files.after" | grep -Ev "$allowed" || true)
check "install, remove, purge leave no file behind${left:+: $(echo $left)}" test -z "$left"
check "install, remove, purge take no file away${gone:+: $(echo $gone)}" test -z "$gone"

log "$failures failure(s) in $((SECONDS - t0)) s"
[ "$failures" -eq 0 ]
