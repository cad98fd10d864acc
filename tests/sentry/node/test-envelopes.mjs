// Every kind of envelope coroner-sentry-tool produces, parsed with Sentry's
// own parser (@sentry/core parseEnvelope) and the strict framing walk, then
// validated field by field against its record; and the privacy promises:
// no environment value, home directory, user or host name in the bytes.
//
// usage: node test-envelopes.mjs --tool T --make-record M
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkAgainstRecord, parse } from "./envelope-checks.mjs";
import { done, test } from "./tap.mjs";

const { values: args } = parseArgs({ options: { tool: { type: "string" }, "make-record": { type: "string" } } });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sentry-envelopes-"));
const DSN = "https://0123456789abcdef0123456789abcdef@sentry.example.org/prefix/42";
const SECRET = `env-secret-${process.pid}-b0b5`;

function run(cmd, argv, encoding = "utf8") {
  const r = spawnSync(cmd, argv, { encoding, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
function record(name, ...extra) {
  const p = path.join(tmp, `${name}.json`);
  run("python3", [args["make-record"], p, "--secret", SECRET, ...extra]);
  return p;
}
function envelope(rec, ...extra) {
  return run(args.tool, ["envelope", rec, "--dsn", DSN, "--no-journal", ...extra], "buffer");
}
const load = (p) => JSON.parse(fs.readFileSync(p, "utf8"));

try {
  await test("full record with comment and C++ exception", () => {
    const rec = record("full", "--cxx-exception");
    const bytes = envelope(rec, "--comment", "Saving crashed it.");
    checkAgainstRecord(bytes, load(rec), { dsn: DSN, comment: "Saving crashed it.", secret: SECRET });
  });
  await test("record without the hook (no app, no release, no attachments)", () => {
    const rec = record("noapp", "--no-app");
    checkAgainstRecord(envelope(rec), load(rec), { dsn: DSN, secret: SECRET });
  });
  await test("unsymbolized record (threads from /proc only)", () => {
    const rec = record("unsym");
    const r = load(rec);
    r.backtrace.threads = [];
    r.backtrace.modules = [];
    fs.writeFileSync(rec, JSON.stringify(r));
    const { event } = checkAgainstRecord(envelope(rec), r, { dsn: DSN, secret: SECRET });
    assert.equal(event.threads.values.length, r.process.threads.length);
    assert.equal(event.threads.values.filter((t) => t.crashed).length, 1);
  });
  await test("64 threads × 30 frames, 100 modules", () => {
    const rec = record("big", "--threads", "64", "--frames", "30", "--modules", "100");
    const { event } = checkAgainstRecord(envelope(rec), load(rec), { dsn: DSN, secret: SECRET });
    assert.equal(event.threads.values.length, 64);
    assert.equal(event.debug_meta.images.length, 100);
  });
  await test("the event command prints the envelope's event", () => {
    const rec = record("same");
    const id = "fedcba9876543210fedcba9876543210";
    const event = JSON.parse(run(args.tool, ["event", rec, "--no-journal", "--event-id", id]));
    const { byType } = parse(envelope(rec, "--event-id", id));
    assert.deepEqual(byType.event[0].parsed, event);
  });
  await test("the environment never leaves: secret value absent, even with every option", () => {
    const rec = record("env");
    // A core is attached only from a root-owned store under its crash's own name, with zstd/ELF magic.
    const core = path.join(tmp, `${load(rec).id}.zst`);
    fs.writeFileSync(core, Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from("not really a core")]));
    const conf = path.join(tmp, "allow.conf");
    fs.writeFileSync(conf, "[Sentry]\nAllowCore=true\n");
    const bytes = envelope(rec, "--comment", `look at ${SECRET.slice(0, 4)}`, "--core", core, "--include-core",
      "--system-config", conf, "--user-config", conf);
    assert.ok(!bytes.includes(SECRET), "the environment's secret value is in the envelope");
    assert.ok(!bytes.includes("CORONER_TEST_SECRET"), "an environment variable name is in the envelope");
    assert.ok(!bytes.includes(`cmdline-${SECRET}`), "the command line is in the envelope");
  });
  await test("the core: attached only with AllowCore=true and consent", () => {
    const rec = record("core");
    const core = path.join(tmp, `${load(rec).id}.zst`);
    fs.writeFileSync(core, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]));
    const allow = path.join(tmp, "allow.conf"), deny = path.join(tmp, "deny.conf"), none = path.join(tmp, "none.conf");
    fs.writeFileSync(allow, "[Sentry]\nAllowCore=true\n");
    fs.writeFileSync(deny, "[Sentry]\nAllowCore=false\n");
    const cores = (...extra) => (parse(envelope(rec, "--core", core, ...extra)).byType.attachment ?? []).filter((a) => a.header.filename === "core.zst");
    assert.equal(cores("--system-config", none, "--user-config", allow).length, 0, "attached without consent");
    assert.equal(cores("--include-core", "--system-config", none, "--user-config", none).length, 0, "attached without AllowCore");
    assert.equal(cores("--include-core", "--system-config", deny, "--user-config", allow).length, 0, "the administrator's AllowCore=false ignored");
    const got = cores("--include-core", "--system-config", none, "--user-config", allow);
    assert.equal(got.length, 1);
    assert.equal(got[0].header.content_type, "application/zstd");
    assert.deepEqual(Buffer.from(got[0].raw), fs.readFileSync(core));
  });
  await test("outbox bytes: what is stored is what the review showed", () => {
    const rec = record("outbox");
    const outbox = path.join(tmp, "outbox");
    const id = "00112233445566778899aabbccddeeff";
    const shown = envelope(rec, "--event-id", id);
    run(args.tool, ["submit", rec, "--dsn", DSN, "--no-journal", "--event-id", id, "--outbox", outbox, "--no-send"]);
    const stored = run(args.tool, ["outbox", "show", id, "--outbox", outbox], "buffer");
    checkAgainstRecord(stored, load(rec), { dsn: DSN, secret: SECRET });
    // Only the header's sent_at may differ.
    const body = (b) => b.subarray(b.indexOf(0x0a));
    assert.deepEqual(body(stored).length, body(shown).length);
    const a = parse(stored), b = parse(shown);
    assert.deepEqual(a.byType.event[0].parsed.threads, b.byType.event[0].parsed.threads);
    assert.equal(a.header.event_id, id);
  });
  await test("a malformed DSN is a clear error", () => {
    const rec = record("baddsn");
    const r = spawnSync(args.tool, ["envelope", rec, "--dsn", "https://sentry.example.org/42", "--no-journal"], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Invalid Sentry DSN .*public key/);
    assert.equal(r.stdout, "");
  });
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
done();
