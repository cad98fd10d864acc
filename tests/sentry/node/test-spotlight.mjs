// Reports read back from Spotlight, Sentry's local receiver: a hand-built
// record, and a real crash (a live process's gcore core through the real
// coroner-handler, symbolized by coronerctl). Each is submitted through the
// outbox by coroner-sentry-tool, then fetched from Spotlight's /stream (SSE)
// and GET /envelope/<id>, and checked field by field.
//
// usage: node test-spotlight.mjs --tool T --make-record M --handler H --coronerctl C --victim-source V.c
//
// The victim is compiled here, without the build's sanitizers: gcore of an
// ASan process would dump its shadow memory.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkAgainstRecord, checkEvent, checkFeedback, debugIdOf, feedbackIdFor, parse } from "./envelope-checks.mjs";
import { ENVELOPE_EVENT, envelopeOf, startSpotlight, subscribe } from "./spotlight.mjs";
import { done, test } from "./tap.mjs";

const { values: args } = parseArgs({
  options: {
    tool: { type: "string" }, "make-record": { type: "string" }, handler: { type: "string" },
    coronerctl: { type: "string" }, "victim-source": { type: "string" }, cc: { type: "string" },
  },
});
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sentry-spotlight-"));
// coronerctl symbolizes as nobody when run by root: the victim must be readable to it.
fs.chmodSync(tmp, 0o755);
const children = [];

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: opts.encoding ?? "utf8", maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

async function submitAndReadBack(port, stream, recordPath, name, { comment, secret } = {}) {
  const dsn = `http://0123456789abcdef0123456789abcdef@127.0.0.1:${port}/7`;
  const outbox = path.join(tmp, `outbox-${name}`);
  const out = run(args.tool, ["submit", recordPath, "--dsn", dsn, "--outbox", outbox, "--no-journal",
    ...(comment ? ["--comment", comment] : [])]);
  const eventId = out.match(/^queued ([0-9a-f]{32})$/m)?.[1];
  assert.ok(eventId, `submit printed no event id: ${out}`);
  // With a comment, two envelopes: the crash's and its feedback's.
  assert.match(out, comment ? /^sent 2 /m : /^sent 1 /m, `submit did not send: ${out}`);

  const ev = await stream.waitFor(eventId);
  assert.equal(ev.event, ENVELOPE_EVENT);
  const [header, items] = envelopeOf(ev);
  assert.equal(header.event_id, eventId);
  assert.equal(header.dsn, dsn);
  const event = items.find(([h]) => h.type === "event")?.[1];
  assert.ok(event, "Spotlight has no event item");
  const record = JSON.parse(fs.readFileSync(recordPath, "utf8"));
  checkEvent(event, record, { eventId });

  // The raw envelope as Spotlight stored it (decompressed): every byte checked.
  const res = await fetch(`http://127.0.0.1:${port}/envelope/${header.__spotlight_envelope_id}`);
  assert.equal(res.status, 200, "GET /envelope/<id>");
  const raw = Buffer.from(await res.arrayBuffer());
  checkAgainstRecord(raw, record, { dsn, comment, secret, feedbackSentApart: true });
  if (comment) {
    // Spotlight streams the feedback as an envelope of its own, named by its own event_id.
    const fbId = feedbackIdFor(eventId);
    const fev = await stream.waitFor(fbId);
    const [fh, fitems] = envelopeOf(fev);
    assert.equal(fh.dsn, dsn);
    assert.deepEqual(fitems.map(([h]) => h.type), ["feedback"], "the feedback envelope holds the feedback alone");
    checkFeedback(fitems[0][1], { eventId, comment });
    const fres = await fetch(`http://127.0.0.1:${port}/envelope/${fh.__spotlight_envelope_id}`);
    assert.equal(fres.status, 200, "GET /envelope/<feedback id>");
    const { header: rawHeader, byType } = parse(Buffer.from(await fres.arrayBuffer()));
    assert.equal(rawHeader.event_id, fbId);
    checkFeedback(byType.feedback[0].parsed, { eventId, comment });
    if (secret) assert.ok(!JSON.stringify(byType.feedback[0].parsed).includes(secret), "secret in the feedback");
  }
  return { eventId, event, record };
}

// Started inside the try, so that the finally stops Spotlight even when it
// fails to come up or to stream (the error then fails the whole test).
let stream;
try {
  const spotlight = startSpotlight();
  children.push(spotlight.child);
  const { port } = await spotlight.ready;
  stream = await subscribe(port);

  await test("fixture record, read back from Spotlight", async () => {
    const rec = path.join(tmp, "fixture.json");
    const secret = "spotlight-secret-" + process.pid;
    run("python3", [args["make-record"], rec, "--threads", "4", "--frames", "6", "--modules", "8", "--cxx-exception", "--secret", secret]);
    const { event } = await submitAndReadBack(port, stream, rec, "fixture", { comment: "It crashed while saving.", secret });
    const crashed = event.threads.values.find((t) => t.crashed);
    assert.deepEqual(crashed.stacktrace.frames.map((f) => f.function),
      ["_start", "__libc_start_call_main", "main", "demo_middle", "demo_inline_helper", "demo_crash_here"]);
    assert.equal(event.exception.values.at(-1).mechanism.meta.signal.name, "SIGSEGV");
    assert.equal(event.debug_meta.images.length, 8);
  });

  await test("real crash (gcore core through coroner-handler), read back from Spotlight", async () => {
    for (const k of ["handler", "coronerctl", "victim-source"]) assert.ok(args[k] && fs.existsSync(args[k]), `--${k} is missing: the real-crash test cannot run`);
    const victimExe = path.join(tmp, "sentry-victim");
    run(args.cc ?? "cc", ["-O0", "-g", "-fno-omit-frame-pointer", "-Wl,--build-id=sha1", args["victim-source"], "-o", victimExe]);
    const secret = `victim-secret-${process.pid}-${Date.now()}`;
    const victim = spawn(victimExe, [], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, CORONER_TEST_SECRET: secret } });
    children.push(victim);
    await new Promise((resolve, reject) => {
      victim.stdout.once("data", resolve);
      victim.once("exit", () => reject(new Error("the victim exited early")));
    });
    const pid = victim.pid;
    const coreBase = path.join(tmp, "core");
    run("gcore", ["-o", coreBase, String(pid)]);
    const store = path.join(tmp, "store");
    fs.mkdirSync(store);
    const conf = path.join(tmp, "coroner.conf");
    fs.writeFileSync(conf, `[Store]\nPath=${store}\n[Journal]\nEnabled=no\n`);
    const now = Math.floor(Date.now() / 1000);
    run(args.handler, [`--config=${conf}`, String(pid), String(process.getuid()), String(process.getgid()), "11", String(now),
      "18446744073709551615", "host", "1", "-", String(pid), "sentry-victim"], { input: fs.readFileSync(`${coreBase}.${pid}`), encoding: "utf8" });
    victim.kill("SIGKILL");
    // The handler symbolizes from the stack core it cuts out of the kernel's
    // stream; gdb's cores put their notes after the memory, so that stack core
    // has no stacks. The full core has them: let coronerctl symbolize that one.
    const [recName] = fs.readdirSync(store).filter((f) => f.endsWith(".json"));
    assert.ok(recName, "the handler wrote no record");
    const stored = JSON.parse(fs.readFileSync(path.join(store, recName), "utf8"));
    const frames = stored.backtrace.threads.find((t) => t.crashed)?.frames ?? [];
    if (frames.length < 4) {
      stored.backtrace.threads = [];
      stored.backtrace.modules = [];
      fs.writeFileSync(path.join(store, recName), JSON.stringify(stored));
      for (const f of fs.readdirSync(store)) if (f.endsWith(".stack")) fs.rmSync(path.join(store, f));
    }
    // The handler's record, symbolized the way coronerctl does it for `coronerctl submit`.
    const info = JSON.parse(run(args.coronerctl, [`--store=${store}`, "--no-journal", "info", "--json", "-1"]));
    assert.equal(info.pid, pid);
    const record = info.record;
    assert.ok(record.backtrace.threads.length > 0, `no backtrace: ${record.backtrace.error}`);
    const recPath = path.join(tmp, "real.json");
    fs.writeFileSync(recPath, JSON.stringify(record));

    assert.ok(record.process.proc.environ.includes(secret), "the handler did not record the environment");
    const { event } = await submitAndReadBack(port, stream, recPath, "real", { secret });
    const sig = event.exception.values.at(-1);
    assert.equal(sig.type, "SIGSEGV");
    assert.equal(sig.mechanism.meta.signal.number, 11);
    const crashed = event.threads.values.find((t) => t.crashed);
    assert.equal(crashed.id, pid);
    const fns = crashed.stacktrace.frames.map((f) => f.function ?? "");
    const at = (name) => fns.findIndex((f) => f === name);
    const order = ["main", "victim_outer", "victim_middle", "victim_inner"].map(at);
    assert.ok(order.every((i) => i >= 0), `functions missing from ${JSON.stringify(fns)}`);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `functions out of order: ${JSON.stringify(fns)}`);
    assert.equal(order[3], fns.length - 2, `victim_inner should sit right below pause: ${JSON.stringify(fns)}`);
    const exe = fs.realpathSync(victimExe);
    const image = event.debug_meta.images.find((im) => im.code_file.endsWith(path.basename(exe)));
    assert.ok(image, `no image for ${exe}`);
    const buildId = run("readelf", ["-n", exe]).match(/Build ID: ([0-9a-f]+)/)[1];
    assert.equal(image.code_id, buildId);
    assert.equal(image.debug_id, debugIdOf(buildId));
    const inner = crashed.stacktrace.frames[order[3]];
    const addr = BigInt(inner.instruction_addr), base = BigInt(image.image_addr);
    assert.ok(addr >= base && addr < base + BigInt(image.image_size), "victim_inner's address lies outside the victim's image");
    assert.ok(event.debug_meta.images.some((im) => /libc\.so/.test(im.code_file) && im.debug_id), "libc's image");
  });
} finally {
  stream?.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
}
done();
