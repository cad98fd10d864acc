// SPDX-License-Identifier: LGPL-2.1-or-later
// Spotlight, Sentry's local receiver, as the test peers use it: starting it
// (through spotlight-launcher.mjs, on 127.0.0.1 only) and listening to its
// /stream (server-sent events) for the envelopes it receives.
//
// The one place that reads Spotlight's stream: test-spotlight.mjs subscribes
// through subscribe(), the reporter tests through spotlight-listen.mjs.
import { spawn } from "node:child_process";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);

export const ENVELOPE_EVENT = "application/x-sentry-envelope";

// Starts spotlight-launcher.mjs on PORT (0: a free one) and resolves, once it
// accepts connections, to { port, child }. Rejects if it exits first or is
// not up within timeoutMs; the caller kills the child.
export function startSpotlight({ port = 0, timeoutMs = 60000 } = {}) {
  const child = spawn(process.execPath, [path.join(here, "spotlight-launcher.mjs"), String(port)],
    { stdio: ["ignore", "pipe", "inherit"] });
  const ready = new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`Spotlight did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/spotlight-port (\d+)/);
      if (m) { clearTimeout(timer); resolve({ port: Number(m[1]), child }); }
    });
    child.on("exit", (code, signal) => { clearTimeout(timer); reject(new Error(`Spotlight exited (${code ?? signal})`)); });
  });
  return { child, ready };
}

// Opens Spotlight's /stream on PORT. Throws unless it answers 200.
export async function openStream(port, client) {
  const res = await fetch(`http://127.0.0.1:${port}/stream?client=${encodeURIComponent(client)}`);
  if (res.status !== 200) {
    res.body?.cancel().catch(() => {});
    throw new Error(`GET /stream: status ${res.status}`);
  }
  return res;
}

// The server-sent events of a /stream response body, as { event, data, … }
// (repeated fields joined by newlines); only those that carry data.
export async function* sseEvents(body) {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = {};
      for (const line of block.split("\n")) {
        const m = line.match(/^(\w+): ?(.*)$/);
        if (m) ev[m[1]] = (ev[m[1]] ? ev[m[1]] + "\n" : "") + m[2];
      }
      if (ev.data) yield ev;
    }
  }
}

// The envelopes Spotlight announces, each as it streams it: [header, [[itemHeader, payload], …]].
export function envelopeOf(ev) {
  return JSON.parse(ev.data);
}

// Subscribes once to /stream and collects every event Spotlight announces.
// waitFor(eventId) resolves to the event whose envelope has that event_id, or
// throws after ms; close() ends the subscription.
export async function subscribe(port, { client = "coroner-test" } = {}) {
  const seen = [];
  const waiters = [];
  const res = await openStream(port, client);
  let ended = null;
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  (async () => {
    for await (const ev of sseEvents(res.body)) {
      seen.push(ev);
      wake();
    }
    ended = "Spotlight closed its stream";
  })().catch((e) => { ended = `Spotlight's stream broke: ${e.message ?? e}`; }).finally(wake);
  return {
    async waitFor(eventId, ms = 20000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = seen.find((e) => envelopeOf(e)[0]?.event_id === eventId);
        if (hit) return hit;
        if (ended) throw new Error(`Spotlight never streamed event ${eventId} (${ended})`);
        if (Date.now() > end) throw new Error(`Spotlight never streamed event ${eventId} within ${ms / 1000} s`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
      }
    },
    close() { res.body.cancel().catch(() => {}); },
  };
}

// Listens to /stream for ever, calling onEnvelope(envelope) for every
// envelope and onConnect() each time it (re)connects. While Spotlight is
// down it retries every retryMs, so a test can stop and restart the receiver.
// onError(error) hears why a connection failed or ended, once per kind of failure.
export async function listenForever(port, { client, onEnvelope, onConnect = () => {}, onError = () => {}, retryMs = 200 }) {
  let last = "";
  for (;;) {
    try {
      const res = await openStream(port, client);
      last = "";
      onConnect();
      for await (const ev of sseEvents(res.body)) {
        if (ev.event === ENVELOPE_EVENT) onEnvelope(envelopeOf(ev));
      }
      throw new Error("Spotlight closed its stream");
    } catch (e) {
      const why = String(e.cause?.code ?? e.message ?? e);
      if (why !== last) onError(e);
      last = why;
    }
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
