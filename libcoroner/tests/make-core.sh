#!/usr/bin/env bash
# make-core.sh OUT PROGRAM [ARGS...]
#
# Runs PROGRAM (which must crash) and writes the kernel's core of it to OUT:
# a real kernel core (notes before memory), which gdb's gcore cannot give us.
#
# The kernel's core_pattern is global, so we hold the lock every Coroner test
# takes before touching it.  When the pattern already names a plain file
# relative to the crashing process's directory (Debian's default "core"), we
# only read it: the program runs in a private empty directory and the one file
# that appears there is the core.  Otherwise (a pipe, an absolute path) the
# pattern is pointed at our directory for the duration of the crash and put
# back by a trap.  Prints "pid=<pid>" of the crashed process on stdout.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT PROGRAM [ARGS...]" >&2; exit 64; }
out=$1
shift

work=$(mktemp -d /tmp/coroner-make-core.XXXXXX)
chmod 0755 "$work"
pattern_file=/proc/sys/kernel/core_pattern
saved=
cleanup() {
  if [ -n "$saved" ]; then
    printf '%s\n' "$saved" >"$pattern_file" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM HUP

exec 9>>/run/lock/coroner-core-pattern.lock
# End-to-end tests hold it for a whole test script: be patient.
flock -w 600 9 || { echo "make-core: the core_pattern lock stayed busy for 10 minutes" >&2; exit 1; }

current=$(cat "$pattern_file")
case $current in
  '|'* | /*)
    [ -w "$pattern_file" ] || { echo "make-core: core_pattern is '$current' and not writable" >&2; exit 77; }
    saved=$current
    printf '%s\n' "$work/core" >"$pattern_file"
    ;;
esac

set +e
(
  cd "$work"
  ulimit -c unlimited
  exec "$@"
) >/dev/null 2>&1 &
pid=$!
wait $pid 2>/dev/null
status=$?
set -e

if [ -n "$saved" ]; then
  printf '%s\n' "$saved" >"$pattern_file"
  saved=
fi
flock -u 9

if [ $status -lt 128 ]; then
  echo "make-core: $1 exited with status $status instead of crashing" >&2
  exit 1
fi
core=$(find "$work" -maxdepth 1 -type f -name 'core*' | head -n 1)
if [ -z "$core" ]; then
  echo "make-core: $1 crashed (status $status) but left no core in $work" >&2
  exit 1
fi
mv "$core" "$out"
echo "pid=$pid"
