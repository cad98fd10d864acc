#!/usr/bin/env python3
"""Journal breadcrumbs: the crashed process's last journal lines before the crash.

A journal file is made with systemd-journal-remote from export-format entries
(ours and other processes', before and after the crash, another boot's), and
the event must carry exactly our process's lines from before the crash, oldest
first, at most --journal-lines of them, scrubbed.  A line with the same PID but
another _UID (journald's trusted field; a forged crash entry could name root's
PID) is never taken.

usage: test-breadcrumbs.py TOOL
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = sys.argv[1]
REMOTE = "/lib/systemd/systemd-journal-remote"
BOOT = "0123456789abcdef0123456789abcdef"
CRASH = 1767225600123456
PID = 4242
OTHER_UID = os.getuid() + 1

if not os.access(REMOTE, os.X_OK):
    sys.exit(f"FAIL: {REMOTE} is missing (Debian package systemd-journal-remote; tools/bootstrap installs it)")

tmp = tempfile.mkdtemp(prefix="sentry-breadcrumbs-")
try:
    home = os.path.expanduser("~")
    entries = [
        (CRASH - 5_000_000, PID, BOOT, 6, "starting up"),
        (CRASH - 4_000_000, PID + 1, BOOT, 6, "another process"),
        (CRASH - 3_500_000, PID, BOOT, 6, "OTHER-UID secret line", OTHER_UID),
        (CRASH - 3_000_000, PID, BOOT, 3, f"cannot open {home}/.config/demo.ini"),
        (CRASH - 2_000_000, PID, "f" * 32, 6, "the same pid in another boot"),
        (CRASH - 1_000_000, PID, BOOT, 4, "low on memory"),
        (CRASH + 1_000_000, PID, BOOT, 6, "after the crash"),
    ]
    export = os.path.join(tmp, "export.txt")
    with open(export, "w") as f:
        for i, (t, pid, boot, prio, msg, *uid) in enumerate(entries):
            f.write(f"__CURSOR=s=0;i={i}\n__REALTIME_TIMESTAMP={t}\n__MONOTONIC_TIMESTAMP={i + 1}000000\n"
                    f"_BOOT_ID={boot}\n_PID={pid}\n_UID={uid[0] if uid else os.getuid()}\n"
                    f"PRIORITY={prio}\nMESSAGE={msg}\n\n")
    jdir = os.path.join(tmp, "journal")
    os.mkdir(jdir)
    subprocess.run([REMOTE, f"--output={jdir}/test.journal", export], check=True, capture_output=True)
    record = os.path.join(tmp, "record.json")
    subprocess.run([sys.executable, os.path.join(HERE, "make-record.py"), record, "--no-app"], check=True)

    def crumbs(*extra):
        out = subprocess.run([TOOL, "event", record, "--journal-dir", jdir, *extra], check=True,
                             capture_output=True, text=True).stdout
        return [c for c in json.loads(out)["breadcrumbs"]["values"] if c["category"] == "journal"]

    got = crumbs()
    want = ["starting up", "cannot open ~/.config/demo.ini", "low on memory"]
    assert [c["message"] for c in got] == want, f"journal breadcrumbs {got}"
    assert [c["level"] for c in got] == ["info", "error", "warning"], got
    assert abs(got[0]["timestamp"] * 1e6 - (CRASH - 5_000_000)) < 2, got[0]
    # Bounded: the newest lines before the crash win.
    got = crumbs("--journal-lines", "2")
    assert [c["message"] for c in got] == want[1:], f"bounded breadcrumbs {got}"
    assert crumbs("--no-journal") == [], "--no-journal still read the journal"
    print("ok - journal breadcrumbs")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
