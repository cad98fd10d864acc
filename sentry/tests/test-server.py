#!/usr/bin/env python3
"""Outbox and transport against fake-sentry.py on the loopback: one scenario per run.

usage: test-server.py TOOL SCENARIO
scenarios: ok 429-seconds 429-date 429-limits feedback 500 413 hang refused tls killed concurrent

Each scenario asserts what the server saw (requests, headers, event_ids, how
many were answered 200), what the outbox holds afterwards, and the backoff.
"""
import gzip
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.abspath(sys.argv[1])
SCENARIO = sys.argv[2]
TMP = tempfile.mkdtemp(prefix=f"sentry-{SCENARIO}-")
OUTBOX = os.path.join(TMP, "outbox")
# Long enough that a flush right after a failure starts well inside the backoff,
# also in a sanitizer build on a loaded machine.
BASE_MS = 2000
children = []


def fail(msg):
    raise AssertionError(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


class Server:
    def __init__(self, tls=None):
        args = [sys.executable, os.path.join(HERE, "fake-sentry.py")]
        if tls:
            args += ["--tls", *tls]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        children.append(self.proc)
        line = self.proc.stdout.readline()
        check(line.startswith("port "), f"fake-sentry did not start: {line!r}")
        self.port = int(line.split()[1])
        self.scheme = "https" if tls else "http"
        self.ctx = None
        if tls:
            self.ctx = ssl.create_default_context()
            self.ctx.check_hostname = False
            self.ctx.verify_mode = ssl.CERT_NONE

    def dsn(self, project="42", prefix="/prefix"):
        return f"{self.scheme}://0123456789abcdef0123456789abcdef@127.0.0.1:{self.port}{prefix}/{project}"

    def script(self, answers):
        req = urllib.request.Request(f"{self.scheme}://127.0.0.1:{self.port}/control",
                                     data=json.dumps({"script": answers}).encode(), method="POST")
        urllib.request.urlopen(req, context=self.ctx, timeout=10).read()

    def log(self):
        with urllib.request.urlopen(f"{self.scheme}://127.0.0.1:{self.port}/log", context=self.ctx, timeout=10) as r:
            return json.loads(r.read())

    def answered_ok(self, event_id):
        return sum(1 for e in self.log() if e.get("event_id") == event_id and e.get("outcome") == 200)


def tool(*args, check_rc=True, timeout=60):
    cmd = [TOOL, *args, "--outbox", OUTBOX, "--backoff-base-ms", str(BASE_MS), "--no-journal"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        fail(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr}")
    return r


def counts(stdout):
    words = stdout.split()
    return dict(zip(words[0::2], (int(w) for w in words[1::2])))


def flush(*extra):
    return counts(tool("outbox", "flush", *extra).stdout)


def timed_flush(deadline, limit):
    """outbox flush --timeout DEADLINE (killed after LIMIT s): its counts and the seconds it took."""
    t0 = time.time()
    r = tool("outbox", "flush", "--timeout", str(deadline), timeout=limit)
    return counts(r.stdout), time.time() - t0


def outbox():
    r = tool("outbox", "list")
    entries = {}
    for line in r.stdout.splitlines():
        parts = line.split(" ")
        e = {"state": parts[1]}
        for p in parts[2:]:
            if "=" in p:
                k, v = p.split("=", 1)
                e[k] = v
        entries[parts[0]] = e
    return entries


RECORD = os.path.join(TMP, "record.json")
RECORD_NOAPP = os.path.join(TMP, "record-noapp.json")
subprocess.run([sys.executable, os.path.join(HERE, "make-record.py"), RECORD], check=True)
subprocess.run([sys.executable, os.path.join(HERE, "make-record.py"), RECORD_NOAPP, "--no-app"], check=True)


def submit(dsn, record=RECORD, send=False):
    r = tool("submit", record, "--dsn", dsn, *([] if send else ["--no-send"]))
    line = r.stdout.splitlines()[0]
    check(line.startswith("queued "), f"unexpected submit output {r.stdout!r}")
    return line.split()[1]


def requests_for(server, event_id):
    return [e for e in server.log() if e.get("event_id") == event_id]


def no_temporary_files():
    for root, _, files in os.walk(OUTBOX):
        for f in files:
            check(not f.startswith(".tmp."), f"temporary file left: {root}/{f}")


def scenario_ok():
    s = Server()
    eid = submit(s.dsn(), send=True)
    reqs = requests_for(s, eid)
    check(len(reqs) == 1, f"one request expected, got {reqs}")
    r = reqs[0]
    check(r["path"] == "/prefix/api/42/envelope/", f"path {r['path']}")
    check(r["content_type"] == "application/x-sentry-envelope", f"content type {r['content_type']}")
    check(r["content_encoding"] == "gzip", "body not gzipped")
    check("sentry_key=0123456789abcdef0123456789abcdef" in r["auth"] and "sentry_version=7" in r["auth"], f"auth {r['auth']}")
    check(r["bytes"] < r["envelope_bytes"], "gzip made it bigger")
    e = outbox()
    check(e[eid]["state"] == "sent" and e[eid]["status"] == "200", f"outbox {e}")
    check(os.path.exists(os.path.join(OUTBOX, "sent", eid + ".response")), "no stored answer")
    # Confirmed: never sent again.
    f = flush("--force")
    check(f["sent"] == 0 and len(requests_for(s, eid)) == 1, "sent twice")
    # The stored bytes are the reviewed bytes; only sent_at changed on the way.
    stored = subprocess.run([TOOL, "outbox", "show", eid, "--outbox", OUTBOX], capture_output=True,
                            check=True).stdout
    check(json.loads(stored.split(b"\n", 1)[0])["event_id"] == eid, "stored envelope")
    check(len(stored) == r["envelope_bytes"], "the sent envelope is not the stored one")
    no_temporary_files()


def rate_limited(answer, wait_s):
    s = Server()
    s.script([answer])
    eid = submit(s.dsn())
    t0 = time.time()
    f = flush()
    # The limit runs from the answer, which came during that flush.
    t_answered = time.time()
    check(f["failed"] == 1 and f["sent"] == 0, f"first flush {f}")
    # One file per server and project (rate-limits.<hash>).
    files = [f for f in os.listdir(OUTBOX) if f.startswith("rate-limits.")]
    check(len(files) == 1, f"rate limit files {files}")
    limits = open(os.path.join(OUTBOX, files[0])).read()
    check("[RateLimits]" in limits, f"rate limits not stored: {limits}")
    # Within the limit nothing goes out, not even forced.
    f = flush("--force")
    check(f["deferred"] == 1 and f["sent"] == 0, f"flush during the limit {f}")
    check(len(requests_for(s, eid)) == 1, "sent during the rate limit")
    check(f["next"] / 1e6 >= t0 + wait_s - 1.5, f"next attempt {f['next'] / 1e6 - t0:.1f}s, limit {wait_s}s")
    time.sleep(max(0, t_answered + wait_s + 0.3 - time.time()))
    f = flush("--force")
    check(f["sent"] == 1, f"flush after the limit {f}")
    reqs = requests_for(s, eid)
    check(len(reqs) == 2 and s.answered_ok(eid) == 1, f"requests {reqs}")
    check(reqs[1]["time"] >= t0 + wait_s - 1, "retried before the server allowed it")


def scenario_429_seconds():
    rate_limited("429-seconds:3", 3)


def scenario_429_date():
    # An HTTP date has a resolution of one second.
    rate_limited("429-date:4", 4)


def scenario_429_limits():
    rate_limited("429-limits:3:error:organization:quota", 3)
    # Per category: a 429 that limits attachments only. The same flush sends the
    # event again at once without its attachments (as sentry-native and
    # @sentry/core drop rate-limited items), and records what it left out.
    s = Server()
    s.script(["429-limits:60:attachment:organization"])
    with_attachments = submit(s.dsn())
    f = flush("--force")
    reqs = requests_for(s, with_attachments)
    check(len(reqs) == 2, f"429 on attachments: expected an immediate retry, got {reqs}")
    first_types = [t for t, _ in reqs[0]["items"]]
    check(first_types[0] == "event" and "attachment" in first_types, f"first try {reqs[0]['items']}")
    n_att = first_types.count("attachment")
    check([t for t, _ in reqs[1]["items"]] == ["event"], f"retry still carries {reqs[1]['items']}")
    check(reqs[1]["outcome"] == 200, f"retry answered {reqs[1]}")
    check(f["sent"] == 1 and f["failed"] == 0 and f["left_out"] == n_att, f"per-category flush {f}")
    e = outbox()
    check(e[with_attachments]["state"] == "sent", f"{e}")
    response = open(os.path.join(OUTBOX, "sent", with_attachments + ".response")).read()
    names = [n for t, n in reqs[0]["items"] if t == "attachment"]
    check("DroppedRateLimited=" in response and all(f"attachment {n}" in response for n in names),
          f"what was left out is not recorded: {response}")
    # While the limit lasts, the next report goes at once, without its attachments.
    second = submit(s.dsn())
    without = submit(s.dsn(), record=RECORD_NOAPP)
    f = flush("--force")
    check(f["sent"] == 2 and f["deferred"] == 0 and f["left_out"] == n_att, f"flush during the limit {f}")
    check([[t for t, _ in r["items"]] for r in requests_for(s, second)] == [["event"]],
          f"second report {requests_for(s, second)}")
    check([t for t, _ in requests_for(s, without)[0]["items"]] == ["event"], "no-app report")
    # A 200 that announces a limit (Relay's usual answer): followed the same way.
    s.script(["ok-limits:60:attachment:organization"])
    third = submit(s.dsn())
    flush("--force")
    check(len(requests_for(s, third)) == 1, "an accepted report was sent again")
    # A limit on the event's own category holds the whole envelope, attachments and all.
    s.script(["429-limits:2:default:organization"])
    held = submit(s.dsn())
    f = flush("--force")
    t0 = time.time()  # the limit runs from the answer, which came during that flush
    check(f["failed"] == 1 and len(requests_for(s, held)) == 1, f"default-limited flush {f}")
    f = flush("--force")
    check(f["deferred"] == 1 and len(requests_for(s, held)) == 1, "sent during a limit on its event")
    time.sleep(max(0, t0 + 2.3 - time.time()))
    f = flush("--force")
    check(f["sent"] == 1 and f["left_out"] == n_att, f"after the default limit {f}")
    s.script([])

    # A 429 without any header: a minute for everything.
    s.script(["429"])
    third = submit(s.dsn(), record=RECORD_NOAPP)
    flush("--force")
    fourth = submit(s.dsn(), record=RECORD_NOAPP)
    f = flush("--force")
    check(f["sent"] == 0, f"sent during a bare 429 {f}")
    check(not requests_for(s, fourth) and len(requests_for(s, third)) == 1, "bare 429 not honoured")


def submit_comment(dsn, comment, email=None):
    extra = ["--user-email", email] if email else []
    r = tool("submit", RECORD_NOAPP, "--dsn", dsn, "--no-send", "--comment", comment, *extra)
    line = r.stdout.splitlines()[0]
    check(line.startswith("queued "), f"unexpected submit output {r.stdout!r}")
    return line.split()[1]


def feedback_of(server, event_id):
    """The requests carrying a feedback whose associated_event_id is event_id."""
    return [e for e in server.log() if e.get("feedback", {}).get("associated_event_id") == event_id]


def scenario_feedback():
    # The comment goes as a feedback in an envelope of its own (its own event_id),
    # queued with the report; a limit on one does not hold the other, and
    # nothing is lost: each goes once its own limit is over.
    s = Server()
    # The server announces a feedback limit on an accepted report first.
    s.script(["ok-limits:3:feedback:organization"])
    warm = submit(s.dsn(), record=RECORD_NOAPP)
    check(flush()["sent"] == 1, "warm-up report")
    t0 = time.time()  # the limit runs from the answer, which came during that flush
    eid = submit_comment(s.dsn(), "It ate my file.", "someone@example.org")
    e = outbox()
    pending = [k for k, v in e.items() if v["state"] == "pending"]
    check(len(pending) == 2 and eid in pending, f"report and feedback expected pending: {e}")
    fid = next(k for k in pending if k != eid)
    f = flush("--force")
    check(f["sent"] == 1 and f["deferred"] == 1, f"flush during the feedback limit {f}")
    check([[t for t, _ in r["items"]] for r in requests_for(s, eid)] == [["event"]], "the event envelope")
    check(not requests_for(s, fid), "feedback sent during its limit")
    e = outbox()
    check(e[eid]["state"] == "sent" and e[fid]["state"] == "pending" and e[warm]["state"] == "sent", f"{e}")
    # Another report while feedback is limited: its event goes, its feedback waits.
    eid2 = submit_comment(s.dsn(), "Again.")
    f = flush("--force")
    check(f["sent"] == 1 and f["deferred"] == 2, f"second flush during the feedback limit {f}")
    check(len(requests_for(s, eid2)) == 1, "the event waited for a feedback limit")
    time.sleep(max(0, t0 + 3.3 - time.time()))
    f = flush("--force")
    check(f["sent"] == 2 and f["left_out"] == 0, f"after the feedback limit {f}")
    fb = requests_for(s, fid)
    check(len(fb) == 1 and [t for t, _ in fb[0]["items"]] == ["feedback"], f"feedback envelope {fb}")
    c = fb[0]["feedback"]
    check(c["message"] == "It ate my file." and c["contact_email"] == "someone@example.org"
          and c["associated_event_id"] == eid, f"feedback context {c}")
    check(len(feedback_of(s, eid2)) == 1 and feedback_of(s, eid2)[0]["outcome"] == 200, "second feedback")
    check(all(v["state"] == "sent" for v in outbox().values()), f"{outbox()}")
    # Queued again (the same bytes): nothing new, not even the feedback.
    before = len(s.log())
    flush("--force")
    check(len(s.log()) == before, "something was sent twice")


def scenario_500():
    s = Server()
    s.script(["500", "500"])
    eid = submit(s.dsn())
    t0 = time.time()
    f = flush()
    check(f["failed"] == 1, f"{f}")
    e = outbox()[eid]
    d1 = int(e["next"]) / 1e6 - t0
    check(e["attempts"] == "1" and e["status"] == "500", f"{e}")
    check(BASE_MS / 2000 - 0.1 <= d1 <= BASE_MS / 1000 + 0.5, f"first delay {d1:.2f}s not in [base/2, base]")
    f = flush()
    check(f["deferred"] == 1 and len(requests_for(s, eid)) == 1, "retried before the backoff ended")
    time.sleep(max(0, int(e["next"]) / 1e6 - time.time() + 0.05))
    t1 = time.time()
    f = flush()
    check(f["failed"] == 1, f"second flush {f}")
    e = outbox()[eid]
    d2 = int(e["next"]) / 1e6 - t1
    check(e["attempts"] == "2", f"{e}")
    check(BASE_MS / 1000 - 0.1 <= d2 <= 2 * BASE_MS / 1000 + 0.5, f"second delay {d2:.2f}s not in [base, 2·base]")
    time.sleep(max(0, int(e["next"]) / 1e6 - time.time() + 0.05))
    f = flush()
    check(f["sent"] == 1, f"third flush {f}")
    reqs = requests_for(s, eid)
    check(len(reqs) == 3 and s.answered_ok(eid) == 1, f"{reqs}")
    check(len({r["event_id"] for r in reqs}) == 1, "event_id changed between retries")
    check(reqs[1]["time"] - reqs[0]["time"] >= BASE_MS / 2000 - 0.05, "no backoff between attempts")


def scenario_413():
    s = Server()
    s.script(["413"])
    eid = submit(s.dsn())
    f = flush()
    check(f["rejected"] == 1, f"{f}")
    check(outbox()[eid]["state"] == "rejected", "not kept as rejected")
    f = flush("--force")
    check(len(requests_for(s, eid)) == 1, "a rejected report was sent again")


def scenario_hang():
    s = Server()
    s.script(["hang"])
    eid = submit(s.dsn())
    f, took = timed_flush(2, 30)
    check(f["failed"] == 1, f"{f}")
    check(took < 15, f"the client waited {took:.1f}s for a hung server")
    e = outbox()[eid]
    check(e["state"] == "pending" and e["attempts"] == "1", f"{e}")
    check("error" in e, "no error recorded")
    time.sleep(BASE_MS / 1000 + 0.1)
    f = flush()
    check(f["sent"] == 1 and s.answered_ok(eid) == 1, f"after the hang {f}")


def scenario_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    eid = submit(f"http://0123456789abcdef0123456789abcdef@127.0.0.1:{port}/1")
    f = flush()
    check(f["failed"] == 1, f"{f}")
    e = outbox()[eid]
    check(e["state"] == "pending" and e["attempts"] == "1" and "error" in e, f"{e}")


def scenario_tls():
    cert, key = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    s = Server(tls=(cert, key))
    eid = submit(s.dsn())
    f = flush()
    check(f["failed"] == 1 and f["sent"] == 0, f"a self-signed certificate was accepted: {f}")
    e = outbox()[eid]
    check("error" in e, f"{e}")
    check(not requests_for(s, eid), "the envelope went to an unverified server")
    # The same server, once its certificate is trusted: verification is on, not broken.
    f = flush("--force", "--ca-file", cert)
    check(f["sent"] == 1 and s.answered_ok(eid) == 1, f"with the CA trusted {f}")


def scenario_killed():
    s = Server()
    s.script(["hold"])
    eid = submit(s.dsn())
    sender = subprocess.Popen([TOOL, "outbox", "flush", "--outbox", OUTBOX, "--no-journal"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(sender)
    deadline = time.time() + 20
    while not requests_for(s, eid):
        check(time.time() < deadline, "the sender never reached the server")
        time.sleep(0.05)
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait()
    time.sleep(0.5)
    held = requests_for(s, eid)
    check(len(held) == 1 and held[0].get("outcome") == "aborted", f"{held}")
    e = outbox()[eid]
    check(e["state"] == "pending", f"the report was lost: {e}")
    # Restarted: sent exactly once, then never again.
    f = flush()
    check(f["sent"] == 1, f"after restart {f}")
    f = flush("--force")
    check(f["sent"] == 0, f"{f}")
    check(s.answered_ok(eid) == 1, f"answered 200 {s.answered_ok(eid)} times")
    check(len(requests_for(s, eid)) == 2, "more requests than the aborted one and the retry")
    no_temporary_files()


def scenario_concurrent():
    s = Server()
    s.script(["slow:1"] * 4)
    ids = [submit(s.dsn()) for _ in range(4)]
    procs = [subprocess.Popen([TOOL, "outbox", "flush", "--outbox", OUTBOX, "--no-journal"],
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    children.extend(procs)
    for p in procs:
        p.wait(timeout=60)
    flush()
    for eid in ids:
        check(len(requests_for(s, eid)) == 1 and s.answered_ok(eid) == 1,
              f"{eid} sent {len(requests_for(s, eid))} times by concurrent senders")
        check(outbox()[eid]["state"] == "sent", "not sent")


def scenario_config():
    s = Server()
    sys_conf, user_conf = os.path.join(TMP, "system.conf"), os.path.join(TMP, "user.conf")
    none = os.path.join(TMP, "missing.conf")
    # Nothing configured: submission is off, nothing is queued or sent.
    r = tool("submit", RECORD, "--system-config", none, "--user-config", none, check_rc=False)
    check(r.returncode != 0 and "No Sentry DSN is configured" in r.stderr, f"{r.returncode} {r.stderr}")
    # The user's per-application DSN (the fixture's app id) decides where it goes.
    with open(user_conf, "w") as f:
        f.write(f"[Sentry]\nDSN=http://badbadbadbadbadbadbadbadbadbad00@127.0.0.1:1/1\n[App:org.example.Demo]\nDSN={s.dsn(project='77')}\n")
    r = tool("submit", RECORD, "--system-config", none, "--user-config", user_conf)
    eid = r.stdout.split()[1]
    reqs = requests_for(s, eid)
    check(len(reqs) == 1 and reqs[0]["path"] == "/prefix/api/77/envelope/", f"{reqs}")
    # The administrator's Disabled=true wins over every DSN, even an explicit one.
    with open(sys_conf, "w") as f:
        f.write("[Sentry]\nDisabled=true\n")
    before = len(s.log())
    r = tool("submit", RECORD, "--dsn", s.dsn(), "--system-config", sys_conf, "--user-config", user_conf,
             check_rc=False)
    check(r.returncode != 0 and "turned off by the administrator" in r.stderr, f"{r.stderr}")
    check(len(s.log()) == before, "sent although the administrator turned reporting off")
    check(len([e for e in outbox().values() if e["state"] == "pending"]) == 0, "queued while disabled")
    check(not r.stdout, f"{r.stdout}")


def scenario_drip():
    """A server that drips its answer: the whole send has one deadline, the report stays queued."""
    s = Server()
    s.script(["drip:120"])
    eid = submit(s.dsn())
    f, took = timed_flush(3, 60)
    check(f["failed"] == 1 and f["sent"] == 0, f"{f}")
    check(took < 10, f"the send took {took:.1f}s against a 3 s deadline")
    e = outbox()[eid]
    check(e["state"] == "pending", f"the report is no longer queued: {e}")
    time.sleep(BASE_MS / 1000 + 0.1)
    f = flush()
    check(f["sent"] == 1 and s.answered_ok(eid) == 1, f"after the drip {f}")


def scenario_huge():
    """A 200 MiB answer: at most 1 MiB is read, memory stays bounded, the report counts as sent."""
    s = Server()
    s.script(["huge:200"])
    eid = submit(s.dsn())
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.time()
    f = flush()
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    check(f["sent"] == 1, f"{f}")
    check(rss_kib < 100 * 1024, f"the client's peak RSS was {rss_kib / 1024:.0f} MiB (before: {before / 1024:.0f})")
    check(time.time() - t0 < 20, "reading the huge answer took too long")
    check(outbox()[eid]["state"] == "sent", "not recorded as sent")


def scenario_429_per_dsn():
    """A year-long 429 from one server holds only that server's reports."""
    a, b = Server(), Server()
    a.script(["429-seconds:31536000"])
    ea = submit(a.dsn())
    f = flush()
    check(f["failed"] == 1, f"first flush {f}")
    eb = submit(b.dsn(project="43"))
    f = flush("--force")
    check(f["sent"] == 1 and f["deferred"] == 1, f"the other DSN was held too: {f}")
    check(b.answered_ok(eb) == 1, "the other DSN's report did not arrive")
    check(len(requests_for(a, ea)) == 1, "the rate-limited server was asked again")
    # The same server under another project is another limit too.
    ec = submit(a.dsn(project="44"))
    f = flush("--force")
    check(f["sent"] == 1 and a.answered_ok(ec) == 1, f"another project on the limited host: {f}")


def scenario_bad_dsn():
    """CR/LF in the key, raw or percent-encoded: a clear error before any request, nothing queued."""
    s = Server()
    for dsn in (f"http://public%0d%0aX-Evil:%201@127.0.0.1:{s.port}/42",
                f"http://public\r\nX-Evil: 1@127.0.0.1:{s.port}/42",
                f"http://0123456789abcdef0123456789abcdef@127.0.0.1:{s.port}/forty-two"):
        r = tool("submit", RECORD, "--dsn", dsn, check_rc=False)
        check(0 < r.returncode < 128, f"{dsn!r}: exit {r.returncode}")
        check("Invalid Sentry DSN" in r.stderr, f"{dsn!r}: {r.stderr}")
    check(len(s.log()) == 0, f"a request went out: {s.log()}")
    check(outbox() == {}, "queued with an invalid DSN")


SCENARIOS = {
    "drip": scenario_drip,
    "huge": scenario_huge,
    "429-per-dsn": scenario_429_per_dsn,
    "bad-dsn": scenario_bad_dsn,
    "feedback": scenario_feedback,
    "config": scenario_config,
    "ok": scenario_ok,
    "429-seconds": scenario_429_seconds,
    "429-date": scenario_429_date,
    "429-limits": scenario_429_limits,
    "500": scenario_500,
    "413": scenario_413,
    "hang": scenario_hang,
    "refused": scenario_refused,
    "tls": scenario_tls,
    "killed": scenario_killed,
    "concurrent": scenario_concurrent,
}

try:
    SCENARIOS[SCENARIO]()
    print(f"ok - {SCENARIO}")
finally:
    for c in children:
        if c.poll() is None:
            c.kill()
            c.wait()
    shutil.rmtree(TMP, ignore_errors=True)
