#!/usr/bin/env python3
"""A Sentry-like envelope receiver on the loopback, for what Spotlight cannot show.

It answers POST /api/<project>/envelope/ with a scripted sequence of answers
and logs every request (path, headers, event_id of the gunzipped envelope,
the answer given, and whether the client was still there to get it).

  fake-sentry.py [--tls CERT KEY]     prints "port N" once listening

Control, over HTTP on the same port:
  POST /control  {"script": ["ok", "500", ...]}   answers for the next requests
                 (then "ok" forever); each one of:
                 ok | 500 | 413 | 429 | 429-seconds:N | 429-date:N | 429-limits:HEADER
                 | ok-limits:HEADER (200, and X-Sentry-Rate-Limits for what comes next)
                 | hang (never answer) | hold (answer nothing until the client goes away)
                 | slow:SECONDS (then ok)
                 | drip:SECONDS (200, then its body one byte every 0.5 s for SECONDS)
                 | huge:MIB (200 with a body of MIB MiB)
  GET /log       the request log, as JSON (with each envelope's items: [type, filename], and
                 its bytes as raw_base64)
"""
import base64
import email.utils
import gzip
import json
import select
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
script = []
log = []


def next_answer():
    with lock:
        return script.pop(0) if script else "ok"


def wait_for_disconnect(sock, limit):
    """True once the peer closed the connection, False after limit seconds."""
    end = time.time() + limit
    while time.time() < end:
        r, _, _ = select.select([sock], [], [], 0.1)
        if r:
            try:
                if not sock.recv(1, socket.MSG_PEEK):
                    return True
            except OSError:
                return True
    return False


def items_of(raw):
    """[[type, filename or None], ...] of an envelope, walked by its lengths."""
    items = []
    pos = raw.index(b"\n") + 1 if b"\n" in raw else len(raw)
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        end = len(raw) if end < 0 else end
        h = json.loads(raw[pos:end])
        items.append([h["type"], h.get("filename")])
        pos = end + 1 + h["length"] + 1
    return items


def feedback_context(raw):
    """contexts.feedback of an envelope whose first item is a feedback."""
    header_end = raw.index(b"\n")
    item_end = raw.index(b"\n", header_end + 1)
    length = json.loads(raw[header_end + 1:item_end])["length"]
    return json.loads(raw[item_end + 1:item_end + 1 + length])["contexts"]["feedback"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        if self.path == "/log":
            with lock:
                body = json.dumps(log).encode()
            return self.reply(200, body, [("Content-Type", "application/json")])
        self.reply(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if self.path == "/control":
            with lock:
                script[:] = json.loads(body)["script"]
            return self.reply(200)
        entry = {
            "time": time.time(),
            "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "content_encoding": self.headers.get("Content-Encoding"),
            "auth": self.headers.get("X-Sentry-Auth"),
            "user_agent": self.headers.get("User-Agent"),
            "bytes": len(body),
        }
        try:
            raw = gzip.decompress(body) if entry["content_encoding"] == "gzip" else body
            header = json.loads(raw.split(b"\n", 1)[0])
            entry["event_id"] = header.get("event_id")
            entry["sent_at"] = header.get("sent_at")
            entry["envelope_bytes"] = len(raw)
            # The envelope as it arrived, for tests that compare it with what a client showed.
            entry["raw_base64"] = base64.b64encode(raw).decode()
            entry["items"] = items_of(raw)
            if entry["items"] and entry["items"][0][0] == "feedback":
                entry["feedback"] = feedback_context(raw)
        except Exception as e:  # noqa: BLE001 - a malformed body is logged, not fatal
            entry["error"] = str(e)
        answer = next_answer()
        entry["answer"] = answer
        with lock:
            log.append(entry)
        kind, _, arg = answer.partition(":")
        if kind == "hang":
            entry["outcome"] = "closed" if wait_for_disconnect(self.connection, 120) else "timeout"
            self.close_connection = True
            return
        if kind == "hold":
            # Never answer: the client is killed while we hold its request.
            entry["outcome"] = "aborted" if wait_for_disconnect(self.connection, 120) else "timeout"
            self.close_connection = True
            return
        if kind == "slow":
            time.sleep(float(arg))
            kind = "ok"
        if kind in ("drip", "huge"):
            # A receiver that answers forever: a byte at a time, or hundreds of MiB.
            size = int(float(arg) * 2) if kind == "drip" else int(arg) << 20
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                self.wfile.flush()
                if kind == "drip":
                    for _ in range(size):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.5)
                else:
                    chunk = b" " * (1 << 20)
                    for _ in range(size >> 20):
                        self.wfile.write(chunk)
                entry["outcome"] = 200
            except OSError:
                entry["outcome"] = "aborted"
            self.close_connection = True
            return
        headers = []
        status = 200
        if kind == "500":
            status = 500
        elif kind == "413":
            status = 413
        elif kind == "429":
            status = 429
        if answer.startswith("429-seconds:"):
            status = 429
            headers.append(("Retry-After", arg))
        elif answer.startswith("429-date:"):
            status = 429
            headers.append(("Retry-After", email.utils.formatdate(time.time() + float(arg), usegmt=True)))
        elif answer.startswith("429-limits:"):
            status = 429
            headers.append(("X-Sentry-Rate-Limits", arg))
        elif answer.startswith("ok-limits:"):
            headers.append(("X-Sentry-Rate-Limits", arg))
        body = json.dumps({"id": entry.get("event_id")}).encode() if status == 200 else b'{"detail":"no"}'
        try:
            self.reply(status, body, headers + [("Content-Type", "application/json")])
            entry["outcome"] = status
        except OSError:
            entry["outcome"] = "aborted"


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
