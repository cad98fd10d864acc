// Checks for the envelopes Coroner produces, shared by the sentry tests:
// Sentry's own parser (@sentry/core parseEnvelope), a strict framing walk,
// and a field-by-field comparison of the event with the crash record it came
// from. Every check throws with a message saying what differs.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import { parseEnvelope } from "@sentry/core";

const decoder = new TextDecoder();

// Walks the bytes the way Relay does, but stricter: every item has a length,
// the length fits, and the payload is followed by a newline (or the end).
export function checkFraming(bytes) {
  const nl = (from) => {
    const i = bytes.indexOf(0x0a, from);
    return i < 0 ? bytes.length : i;
  };
  let end = nl(0);
  const header = JSON.parse(decoder.decode(bytes.subarray(0, end)));
  let pos = end + 1;
  const items = [];
  while (pos < bytes.length) {
    end = nl(pos);
    const h = JSON.parse(decoder.decode(bytes.subarray(pos, end)));
    assert.equal(typeof h.type, "string", "item header without a type");
    assert.ok(Number.isInteger(h.length) && h.length >= 0, `item ${h.type} without a valid length`);
    pos = end + 1;
    assert.ok(pos + h.length <= bytes.length, `item ${h.type}: length ${h.length} runs past the end`);
    const payload = bytes.subarray(pos, pos + h.length);
    pos += h.length;
    if (pos < bytes.length) {
      assert.equal(bytes[pos], 0x0a, `item ${h.type}: payload not followed by a newline`);
      pos += 1;
    }
    items.push([h, payload]);
  }
  assert.equal(pos, bytes.length);
  return [header, items];
}

// Sentry's rule, derived independently of the C code: the first 16 bytes of
// the build-id (zero-padded) as a little-endian GUID.
export function debugIdOf(buildId) {
  const b = Buffer.alloc(16);
  Buffer.from(buildId, "hex").copy(b, 0, 0, 16);
  const h = (i, n) => b.subarray(i, i + n).toString("hex");
  const rev = (i, n) => Buffer.from(b.subarray(i, i + n)).reverse().toString("hex");
  return `${rev(0, 4)}-${rev(4, 2)}-${rev(6, 2)}-${h(8, 2)}-${h(10, 6)}`;
}

export function readOsRelease() {
  for (const p of ["/etc/os-release", "/usr/lib/os-release"]) {
    try {
      const out = {};
      for (const line of fs.readFileSync(p, "utf8").split("\n")) {
        const m = line.match(/^([A-Z0-9_]+)=(.*)$/);
        if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, "");
      }
      return out;
    } catch {}
  }
  return {};
}

// What the scrubber does to the paths and texts of the test machine's user.
export function scrubbed(text, { home = os.homedir(), host } = {}) {
  if (text == null) return text;
  let out = text;
  if (home && home !== "/") {
    out = out.split(home + "/").join("~/");
    if (out === home) out = "~";
  }
  if (host) out = out.split(host).join("[hostname]");
  return out;
}

function words(text, word) {
  return new RegExp(`(^|[^A-Za-z0-9_-])${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_-])`).test(text);
}

// Parses bytes with @sentry/core and the framing walk, and checks that both agree.
export function parse(bytes) {
  const [header, items] = checkFraming(bytes);
  const [sHeader, sItems] = parseEnvelope(bytes);
  assert.deepEqual(sHeader, header, "@sentry/core reads another envelope header");
  assert.equal(sItems.length, items.length, "@sentry/core sees another number of items");
  const byType = {};
  for (let i = 0; i < items.length; i++) {
    const [h, raw] = items[i];
    const [sh, sp] = sItems[i];
    assert.equal(sh.type, h.type);
    assert.equal(sh.length, h.length);
    assert.deepEqual(Buffer.from(sp), Buffer.from(raw), `@sentry/core reads another ${h.type} payload`);
    const parsed = ["event", "user_report", "feedback"].includes(h.type) ? JSON.parse(decoder.decode(sp)) : sp;
    (byType[h.type] ??= []).push({ header: h, raw, parsed });
  }
  return { header, items, byType };
}

// Everything an envelope built from `record` (the crash record's JSON) must say.
export function checkAgainstRecord(bytes, record, opts = {}) {
  const { header, byType } = parse(bytes);
  // A minidump is raw memory (stacks), which no scrubber can rewrite: its
  // texts are scrubbed by the writer, its bytes are left out of these checks.
  const text = Buffer.concat(parse(bytes).items
    .filter(([h]) => h.attachment_type !== "event.minidump")
    .flatMap(([h, p]) => [Buffer.from(JSON.stringify(h)), Buffer.from(p)])).toString("latin1");
  assert.match(header.event_id, /^[0-9a-f]{32}$/);
  if (opts.dsn) assert.equal(header.dsn, opts.dsn);
  assert.match(header.sent_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(byType.event?.length, 1, "exactly one event item");
  const event = byType.event[0].parsed;
  assert.equal(typeof event, "object");
  assert.equal(byType.event[0].header.content_type, "application/json");
  checkEvent(event, record, { ...opts, eventId: header.event_id });

  // The comment is a feedback (never the deprecated user_report as well: Sentry
  // would show it twice). In the reviewed bytes it sits with the event; the
  // outbox sends it in its own envelope, so what a receiver got has none.
  assert.equal(byType.user_report, undefined, "no user_report");
  if (opts.comment && !opts.feedbackSentApart) {
    assert.equal(byType.feedback?.length, 1, "the comment as one feedback item");
    assert.equal(byType.feedback[0].header.content_type, "application/json");
    checkFeedback(byType.feedback[0].parsed, { eventId: header.event_id, comment: opts.comment, email: opts.email });
  } else {
    assert.equal(byType.feedback, undefined, "no feedback item");
  }

  const buffers = record.app?.buffers ?? [];
  const attachments = byType.attachment ?? [];
  // One attachment per buffer, and the core and the minidump when they were asked for.
  assert.equal(attachments.length, buffers.length + (opts.core ? 1 : 0) + (opts.minidump ? 1 : 0),
    "one attachment per buffer");
  for (const b of buffers) {
    const a = attachments.find((x) => x.header.filename === b.name);
    assert.ok(a, `attachment ${b.name}`);
    assert.equal(a.header.attachment_type, "event.attachment");
    const data = Buffer.from(b.data_base64, "base64");
    if (b.is_text) {
      assert.equal(a.header.content_type, "text/plain");
      assert.equal(Buffer.from(a.raw).toString("utf8"), scrubbed(data.toString("utf8"), opts).replace(new RegExp(`\\b${os.userInfo().username}\\b`, "g"), "[user]"));
    } else {
      assert.deepEqual(Buffer.from(a.raw), data, `binary attachment ${b.name} unchanged`);
    }
  }

  // Privacy: what must never be in the bytes.
  const environ = record.process?.proc?.environ ?? "";
  // Whole variables: a value alone may legitimately appear elsewhere (a library
  // path, a directory), so the tests plant a secret value and look for that too.
  for (const line of environ.split("\n")) {
    if (line.length >= 6) assert.ok(!text.includes(line), `an environment variable is in the envelope: ${line}`);
  }
  if (opts.secret) assert.ok(!text.includes(opts.secret), "the secret environment value is in the envelope");
  const home = opts.home ?? os.homedir();
  if (home && home !== "/") assert.ok(!text.includes(home + "/") && !text.includes(`"${home}"`), `the home directory ${home} is in the envelope`);
  if (record.hostname && record.hostname !== "localhost") assert.ok(!text.includes(record.hostname), "the record's host name is in the envelope");
  const user = os.userInfo().username;
  const eventText = decoder.decode(byType.event[0].raw);
  assert.ok(!words(eventText, user), `the user name ${user} is in the event`);
  assert.ok(!words(eventText, os.hostname()), `the host name ${os.hostname()} is in the event`);
  return { header, event, byType };
}

export function checkEvent(event, record, opts = {}) {
  const scrub = (s) => scrubbed(s, opts);
  if (opts.eventId) assert.equal(event.event_id, opts.eventId, "event_id in the event and the envelope header");
  assert.equal(event.platform, "native");
  assert.equal(event.level, "fatal");
  const ts = record.timestamp_usec;
  const iso = new Date(Math.floor(ts / 1000)).toISOString().replace(/\.\d{3}Z$/, "") + "." + String(ts % 1_000_000).padStart(6, "0") + "Z";
  assert.equal(event.timestamp, iso);

  const sigName = "SIG" + record.signal.name;
  const ex = event.exception.values;
  const sig = ex[ex.length - 1];
  assert.equal(sig.type, sigName);
  assert.deepEqual(
    { type: sig.mechanism.type, handled: sig.mechanism.handled, synthetic: sig.mechanism.synthetic },
    { type: "signalhandler", handled: false, synthetic: true },
  );
  assert.equal(sig.mechanism.meta.signal.number, record.signal.number);
  assert.equal(sig.mechanism.meta.signal.name, sigName);
  if (record.signal.code != null) assert.equal(sig.mechanism.meta.signal.code, record.signal.code);
  else assert.equal(sig.mechanism.meta.signal.code, undefined);
  if (record.app?.exception?.type) {
    assert.equal(ex.length, 2);
    assert.equal(ex[0].type, record.app.exception.type);
    assert.equal(ex[0].value, record.app.exception.what);
  } else {
    assert.equal(ex.length, 1);
  }

  const bt = record.backtrace ?? {};
  const rthreads = bt.threads ?? [];
  if (rthreads.length > 0) {
    assert.equal(event.threads.values.length, rthreads.length, "one Sentry thread per record thread");
    const crashedTid = rthreads.find((t) => t.crashed)?.tid;
    for (let i = 0; i < rthreads.length; i++) {
      const rt = rthreads[i];
      const st = event.threads.values[i];
      assert.equal(st.id, rt.tid);
      assert.equal(st.name, scrub(rt.name) ?? undefined);
      assert.equal(st.crashed, rt.crashed);
      assert.equal(st.current, rt.tid === crashedTid);
      const frames = st.stacktrace?.frames ?? [];
      // Minidump=only: Sentry walks the minidump; the event carries no stacks of ours.
      assert.equal(frames.length, opts.stacksLeftOut ? 0 : rt.frames.length);
      // Record: innermost first. Sentry: oldest first, crashing frame last.
      const want = opts.stacksLeftOut ? [] : [...rt.frames].reverse();
      for (let j = 0; j < want.length; j++) {
        const f = frames[j], w = want[j];
        assert.equal(f.instruction_addr, w.pc, `thread ${rt.tid} frame ${j} address`);
        assert.equal(f.function, w.function ?? undefined, `thread ${rt.tid} frame ${j} function`);
        assert.equal(f.package, scrub(w.module) ?? undefined);
        assert.equal(f.filename, scrub(w.file) ?? undefined);
        assert.equal(f.lineno, w.line > 0 ? w.line : undefined);
        assert.equal(typeof f.in_app, "boolean");
      }
      if (rt.crashed) {
        assert.equal(sig.thread_id, rt.tid);
        assert.deepEqual(sig.stacktrace, st.stacktrace, "the exception carries the crashed thread's stack");
      }
    }
  }

  const images = event.debug_meta.images;
  const modules = bt.modules ?? [];
  assert.equal(images.length, modules.length);
  for (let i = 0; i < modules.length; i++) {
    const m = modules[i], im = images[i];
    assert.equal(im.type, "elf");
    assert.equal(im.code_file, scrub(m.path));
    assert.equal(im.image_addr, m.start);
    assert.equal(im.image_size, Number(BigInt(m.end) - BigInt(m.start)));
    if (m.build_id) {
      assert.equal(im.code_id, m.build_id);
      assert.equal(im.debug_id, debugIdOf(m.build_id), `debug_id of ${m.path}`);
    } else {
      assert.equal(im.debug_id, undefined);
    }
  }

  const osr = readOsRelease();
  assert.equal(event.contexts.os.name, osr.NAME ?? "Linux");
  assert.equal(event.contexts.os.version, osr.VERSION_ID);
  assert.equal(event.contexts.os.kernel_version, os.release());
  assert.equal(event.contexts.device.arch, os.machine());
  const mem = event.contexts.device.memory_size;
  assert.ok(mem > 0.9 * os.totalmem() && mem < 1.1 * os.totalmem(), `memory_size ${mem}`);
  const app = record.app;
  assert.equal(event.contexts.app.app_identifier, app?.app_id ?? record.process.comm);
  if (app?.version) {
    assert.equal(event.contexts.app.app_version, app.version);
    assert.equal(event.release, `${app.app_id}@${app.version}`);
  } else {
    assert.equal(event.release, undefined);
  }
  assert.equal(event.tags.signal, sigName);
  if (bt.signature) assert.equal(event.tags.crash_signature, bt.signature);
  assert.equal(typeof event.tags.session_type, "string");

  const crumbs = event.breadcrumbs.values;
  for (const b of app?.breadcrumbs ?? []) {
    const c = crumbs.find((x) => x.category === "app" && Math.abs(x.timestamp * 1e6 - b.timestamp_usec) < 2);
    assert.ok(c, `breadcrumb "${b.message}"`);
  }
  for (let i = 1; i < crumbs.length; i++) assert.ok(crumbs[i - 1].timestamp <= crumbs[i].timestamp, "breadcrumbs in time order");
  assert.equal(JSON.stringify(event).includes("environ"), false);
}

// The feedback's event_id for a crash's: the library's name-based derivation
// (SHA-256 of "coroner-feedback:<id>", version 5 and variant bits), so every
// build and retry of one report carries the same feedback id.
export function feedbackIdFor(eventId) {
  const d = crypto.createHash("sha256").update(`coroner-feedback:${eventId}`).digest().subarray(0, 16);
  d[6] = (d[6] & 0x0f) | 0x50;
  d[8] = (d[8] & 0x3f) | 0x80;
  return d.toString("hex");
}

// A feedback payload (develop.sentry.dev "Envelope Items", User Feedback):
// an event of its own with contexts.feedback naming the crash.
export function checkFeedback(fb, { eventId, comment, email }) {
  assert.match(fb.event_id, /^[0-9a-f]{32}$/);
  assert.notEqual(fb.event_id, eventId, "the feedback has an event_id of its own");
  assert.equal(fb.event_id, feedbackIdFor(eventId), "the feedback's event_id is derived from the crash's");
  assert.match(fb.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(fb.platform, "native");
  assert.equal(fb.level, "info");
  const c = fb.contexts?.feedback;
  assert.ok(c, "contexts.feedback");
  assert.equal(c.message, comment);
  assert.equal(c.associated_event_id, eventId);
  assert.equal(c.source, "coroner");
  if (email) assert.equal(c.contact_email, email);
  else assert.equal(c.contact_email, undefined);
}
