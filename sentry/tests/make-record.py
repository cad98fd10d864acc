#!/usr/bin/env python3
"""Writes a hand-built crash record (schema coroner.crash-record/1) for the sentry tests.

The record looks like one the handler and the symbolizer would write for a
crashed multi-threaded program: the crashing thread first, frames innermost
first, modules with build-ids of several lengths. It also carries what must
never leave the machine (an environment with a secret value, the home
directory, the user and host names), so that the tests can prove it does not.

usage: make-record.py OUT.json [--threads N] [--frames N] [--modules N]
                      [--secret VALUE] [--home DIR] [--user NAME] [--host NAME]
                      [--app-id ID] [--version V] [--comment-free]
"""
import argparse
import base64
import hashlib
import json
import os
import pwd
import socket


def build_id(seed, length=20):
    return hashlib.sha256(seed.encode()).hexdigest()[: 2 * length]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--threads", type=int, default=3)
    p.add_argument("--frames", type=int, default=6)
    p.add_argument("--modules", type=int, default=6)
    p.add_argument("--secret", default="coroner-env-secret-3141592653")
    p.add_argument("--home", default=os.path.expanduser("~"))
    p.add_argument("--user", default=pwd.getpwuid(os.getuid()).pw_name)
    p.add_argument("--host", default="fixture-host-7")
    p.add_argument("--app-id", default="org.example.Demo")
    p.add_argument("--version", default="1.2.3")
    p.add_argument("--no-app", action="store_true", help="a record without the hook's metadata")
    p.add_argument("--cxx-exception", action="store_true")
    a = p.parse_args()

    home = a.home.rstrip("/")
    exe = f"{home}/src/demo/build/demo-app"
    ts = 1767225600123456  # 2026-01-01T00:00:00.123456Z
    pid = 4242

    modules = [
        {"path": exe, "build_id": build_id("exe"), "start": 0x555555554000, "end": 0x555555559000},
        {"path": "/usr/lib/x86_64-linux-gnu/libc.so.6", "build_id": build_id("libc"),
         "start": 0x7FFFF7C00000, "end": 0x7FFFF7E2A000},
        {"path": f"{home}/src/demo/build/libdemo.so", "build_id": build_id("short", 8),
         "start": 0x7FFFF7F00000, "end": 0x7FFFF7F08000},
        {"path": "/usr/lib/x86_64-linux-gnu/libnobuildid.so", "build_id": None,
         "start": 0x7FFFF7F10000, "end": 0x7FFFF7F12000},
    ]
    for i in range(len(modules), a.modules):
        start = 0x7FFF00000000 + i * 0x200000
        modules.append({"path": f"/usr/lib/x86_64-linux-gnu/libgen{i}.so.1",
                        "build_id": build_id(f"gen{i}"), "start": start, "end": start + 0x1F000})
    for m in modules:
        m["has_debug_info"] = m["build_id"] is not None
        m["start"] = hex(m["start"])
        m["end"] = hex(m["end"])

    def frame(fn, mod, off, file=None, line=0, inlined=False):
        start = int(mod["start"], 16)
        return {"pc": hex(start + off), "function": fn, "module": mod["path"],
                "module_offset": hex(off), "file": file, "line": line, "inlined": inlined}

    exe_m, libc_m, demo_m = modules[0], modules[1], modules[2]
    crashed = [
        frame("demo_crash_here", exe_m, 0x1139, f"{home}/src/demo/crash.c", 42),
        frame("demo_inline_helper", exe_m, 0x1160, f"{home}/src/demo/crash.c", 57, True),
        frame("demo_middle", demo_m, 0x2200, f"{home}/src/demo/middle.c", 13),
        frame("main", exe_m, 0x1200, f"{home}/src/demo/main.c", 7),
        frame("__libc_start_call_main", libc_m, 0x271CA),
        frame("_start", exe_m, 0x1045),
    ]
    threads = [{"tid": pid, "name": "demo-app", "crashed": True, "frames": crashed[: max(a.frames, 1)]}]
    for t in range(1, a.threads):
        frames = []
        for f in range(a.frames):
            m = modules[(t + f) % len(modules)]
            frames.append(frame(f"worker_{t}_level_{f}", m, 0x1000 + 0x10 * f,
                                f"/usr/src/gen/w{t}.c" if f % 2 else None, f + 1))
        threads.append({"tid": pid + t, "name": f"worker-{t}", "crashed": False, "frames": frames})

    app = None if a.no_app else {
        "app_id": a.app_id, "name": "Demo", "version": a.version,
        "bug_address": "https://bugs.example.org/demo", "dsn": None,
        "crashed_thread_name": "demo-app",
        "exception": {"type": "std::runtime_error", "what": "disk on fire"} if a.cxx_exception else None,
        "annotations": [{"key": "document", "value": f"{home}/Documents/plan.odt"}],
        "breadcrumbs": [
            {"timestamp_usec": ts - 2_000_000, "message": "opened the main window"},
            {"timestamp_usec": ts - 1_000_000, "message": f"loading {home}/Documents/plan.odt on {a.host}"},
        ],
        "buffers": [
            {"name": "log.txt", "is_text": True, "size": 0,
             "data_base64": base64.b64encode(f"user {a.user} saved {home}/x\n".encode()).decode()},
            {"name": "state.bin", "is_text": False, "size": 4,
             "data_base64": base64.b64encode(b"\x00\x01\x02\xff").decode()},
        ],
    }
    if app:
        for b in app["buffers"]:
            b["size"] = len(base64.b64decode(b["data_base64"]))

    record = {
        "schema": "coroner.crash-record/1",
        "id": f"core.demo-app.{os.getuid()}.0123456789abcdef0123456789abcdef.{pid}.{ts}",
        "timestamp_usec": ts,
        "boot_id": "0123456789abcdef0123456789abcdef",
        "hostname": a.host,
        "process": {
            "pid": pid, "tid": pid, "uid": os.getuid(), "gid": os.getgid(),
            "comm": "demo-app", "exe": exe, "cmdline": f"demo-app --token=cmdline-{a.secret}",
            "cwd": home, "root": "/", "cgroup": None, "unit": None, "user_unit": None,
            "session": None, "slice": None, "owner_uid": None, "dumpable": 1,
            "secure_exec": False, "rlimit_core": None,
            "threads": [{"tid": t["tid"], "name": t["name"]} for t in threads],
            "proc": {"status": f"Name:\tdemo-app\nUid:\t{os.getuid()}\n", "maps": f"... {exe}\n",
                     "limits": None, "cgroup": None, "mountinfo": None, "auxv_hex": None,
                     "open_fds": None,
                     "environ": f"HOME={home}\nCORONER_TEST_SECRET={a.secret}\nUSER={a.user}"},
        },
        "signal": {"number": 11, "name": "SEGV", "code": 1, "address": "0x0"},
        "core": {"state": "present", "file": f"core.demo-app.{pid}.zst", "compression": "zstd",
                 "size": 1 << 20, "stored_size": 4096, "limit_bytes": 0, "reason": None},
        "app": app,
        "backtrace": {"quality": 0.9, "error": None, "signature": "demo_crash_here|demo_middle|main",
                      "threads": threads, "modules": modules},
        "errors": [],
    }
    with open(a.out, "w") as f:
        json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()
