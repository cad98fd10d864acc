#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make-corpus.sh TARGET DIR: the seed corpus of one fuzz target, made by the
# tests' own generators (nothing binary is committed):
#   record          sentry/tests/make-record.py, several shapes
#   config          coroner.conf texts, good and malformed
#   hook-metadata   the genuine blob kcrash-like/tests/test-hook-metadata reads
#                   from itself ($CORONER_TEST_HOOK_METADATA)
#   core-notes      a real core of the crasher (gdb's gcore), its memory cut
#                   down so that the headers and notes dominate
#   minidump        the same cores (the minidump writer reads them)
#   journal-fields  systemd-coredump's and coroner-handler's entries, forged ones
#   sentry-headers  rate-limit headers, Retry-After values, DSNs
set -euo pipefail
target=$1 dir=$2
root=${CORONER_SOURCE_ROOT:?}
mkdir -p "$dir"
seed() { printf '%b' "$2" >"$dir/$1"; }

case $target in
record)
    python3 "$root/sentry/tests/make-record.py" "$dir/full.json"
    python3 "$root/sentry/tests/make-record.py" "$dir/noapp.json" --no-app
    python3 "$root/sentry/tests/make-record.py" "$dir/threads.json" --threads 4 --frames 6 --modules 5
    python3 "$root/sentry/tests/make-record.py" "$dir/cxx.json" --cxx-exception
    seed deep.json '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]'
    ;;
config)
    seed good.conf '[Store]\nPath=/var/lib/coroner\nMaxUse=10%%\nKeepFree=1G\n[Journal]\nEnabled=yes\nTimeout=2s\n[Coredump]\nCompress=yes\nProcessSizeMax=2G\nServiceUser=nobody\n'
    seed bad.conf '[Store]\nMaxUse=-5\nKeepFree=zz\n[Journal]\nTimeout=forever\n\xff\xfe\n[Store\n'
    seed sizes.conf '[Store]\nMaxUse=18446744073709551615\nKeepFree=99999999999999999999T\n'
    ;;
hook-metadata)
    CORONER_FUZZ_SEED=$dir/genuine.blob "${CORONER_TEST_HOOK_METADATA:?}" -p /hook/metadata/genuine >/dev/null
    [ -s "$dir/genuine.blob" ] || { echo "make-corpus: no genuine hook blob" >&2; exit 1; }
    ;;
minidump)
    exec "$0" core-notes "$dir"
    ;;
core-notes)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    gdb -q -nx -batch -ex 'set startup-with-shell off' -ex run -ex "gcore $tmp/core" \
        --args "${CORONER_CRASHER:?}" segv >"$tmp/gdb.log" 2>&1 || true
    [ -s "$tmp/core" ] || { echo "make-corpus: gdb made no core: $(cat "$tmp/gdb.log")" >&2; exit 1; }
    # Keep the ELF header, program headers and notes; cut every PT_LOAD to
    # at most 512 bytes and pack them after the notes.
    python3 - "$tmp/core" "$dir/gcore-small" "$dir/gcore-xnum" <<'PYTHON'
import struct, sys
src, out, xnum = sys.argv[1:]
b = open(src, "rb").read()
phoff, = struct.unpack_from("<Q", b, 0x20)
phentsize, phnum = struct.unpack_from("<HH", b, 0x36)
phdrs = [list(struct.unpack_from("<IIQQQQQQ", b, phoff + i * phentsize)) for i in range(phnum)]
head = 64 + phnum * phentsize
body = bytearray()
for ph in phdrs:
    ptype, flags, off, vaddr, paddr, filesz, memsz, align = ph
    keep = filesz if ptype == 4 else min(filesz, 512)
    data = b[off:off + keep]
    ph[2] = head + len(body)
    ph[5] = keep
    body += data
ehdr = bytearray(b[:64])
struct.pack_into("<Q", ehdr, 0x20, 64)
table = b"".join(struct.pack("<IIQQQQQQ", *ph) for ph in phdrs)
open(out, "wb").write(bytes(ehdr) + table + bytes(body))
# The same with e_phnum = PN_XNUM, as a core of more than 65535 segments says.
struct.pack_into("<H", ehdr, 0x38, 0xffff)
open(xnum, "wb").write(bytes(ehdr) + table + bytes(body))
PYTHON
    ;;
journal-fields)
    seed sdc 'MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1\nSYSLOG_IDENTIFIER=systemd-coredump\n_UID=1000\nCOREDUMP_UID=1000\nCOREDUMP_PID=4242\nCOREDUMP_SIGNAL=11\nCOREDUMP_SIGNAL_NAME=SIGSEGV\nCOREDUMP_TIMESTAMP=1795346065000000\nCOREDUMP_COMM=my prog\nCOREDUMP_EXE=/usr/bin/myprog\nCOREDUMP_FILENAME=/var/lib/systemd/coredump/core.my\\\\x20prog.1000.f9ec52eb6b04432b83875e7ba3cc1b6b.4242.1795346065000000.zst\nMESSAGE=Process 4242 (my prog) of user 1000 dumped core.\\\\n\\\\nModule libc.so.6 with build-id 0123abcdef\\\\nStack trace of thread 4242:\\\\n#0  0x00007f1234567890 raise (libc.so.6 + 0x3c0b1)\\\\n#1  0x000055d0c0a01149 n/a (myprog + 0x1149)\\\\n'
    seed ours 'SYSLOG_IDENTIFIER=coroner-handler\n_UID=0\nCOREDUMP_UID=0\nCOREDUMP_PID=7\nCOREDUMP_SIGNAL=6\nCORONER_RECORD_ID=core.x.0.f9ec52eb6b04432b83875e7ba3cc1b6b.7.1\nCORONER_RECORD=/var/lib/coroner/core.x.0.f9ec52eb6b04432b83875e7ba3cc1b6b.7.1.json\nCORONER_CORE_STATE=present\nCOREDUMP_FILENAME=/var/lib/coroner/core.x.0.f9ec52eb6b04432b83875e7ba3cc1b6b.7.1.zst\n'
    seed forged 'SYSLOG_IDENTIFIER=systemd-coredump\n_UID=61301\nCOREDUMP_UID=0\nCOREDUMP_PID=1\nCOREDUMP_FILENAME=/etc/shadow\nCOREDUMP_TRUNCATED=yes\n'
    ;;
sentry-headers)
    seed limits '60:error;transaction:organization, 2700:default:project:reason\0120\0https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/42'
    seed dates '1:::\0Wed, 21 Oct 2015 07:28:00 GMT\0http://0123456789abcdef0123456789abcdef@127.0.0.1:9000/prefix/7'
    seed bad 'x:y:z:w:v,,,,\0-1\0https://k%0d%0a@host/1'
    ;;
*)
    echo "make-corpus: no such target $target" >&2
    exit 2
    ;;
esac
