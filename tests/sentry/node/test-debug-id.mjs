// debug_id values checked against an independent derivation: sentry-cli
// (from the @sentry/cli npm package) reads test binaries built here with
// build-ids of every common length, and must agree with the debug_id in the
// events we build for those binaries.
//
// usage: node test-debug-id.mjs --tool T
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({ options: { tool: { type: "string" }, cc: { type: "string" } } });
const require = createRequire(import.meta.url);
// The binary ships inside the platform package; nothing is downloaded at install time.
const cliPackage = path.dirname(require.resolve("@sentry/cli-linux-x64/package.json"));
const sentryCli = path.join(cliPackage, "bin", "sentry-cli");
assert.ok(fs.existsSync(sentryCli), `sentry-cli binary missing at ${sentryCli}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sentry-debug-id-"));
function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const variants = {
  sha1: "--build-id=sha1",
  md5: "--build-id=md5",
  uuid: "--build-id=uuid",
  short8: "--build-id=0x0102030405060708",
  odd4: "--build-id=0xdeadbeef",
  long24: "--build-id=0x000102030405060708090a0b0c0d0e0f1011121314151617",
};
const src = path.join(tmp, "t.c");
fs.writeFileSync(src, "int main(void) { return 0; }\n");
let failures = 0;
const modules = [];
const expected = {};
try {
  let n = 0;
  for (const [name, flag] of Object.entries(variants)) {
    n++;
    const bin = path.join(tmp, `bin-${name}`);
    run(args.cc ?? "cc", [src, "-o", bin, `-Wl,${flag}`]);
    const info = JSON.parse(run(sentryCli, ["debug-files", "check", "--json", bin]));
    const { debug_id: debugId, code_id: codeId } = info.variants[0];
    try {
      assert.match(codeId, /^[0-9a-f]+$/);
      const ours = run(args.tool, ["debug-id", codeId]).trim();
      assert.equal(ours, debugId, `${name}: ours ${ours}, sentry-cli ${debugId}`);
      console.log(`ok ${n} - ${name}: ${codeId} → ${debugId}`);
    } catch (e) {
      failures++;
      console.log(`not ok ${n} - ${name}\n# ${e.message}`);
    }
    modules.push({ path: bin, build_id: codeId, start: `0x${(0x400000 + n * 0x100000).toString(16)}`, end: `0x${(0x410000 + n * 0x100000).toString(16)}`, has_debug_info: false });
    expected[bin] = debugId;
  }

  // The same through a whole event: debug_meta.images as the server will read them.
  n++;
  const record = {
    schema: "coroner.crash-record/1", id: "core.t.0.x.1.1", timestamp_usec: 1767225600000000,
    process: { pid: 1, tid: 1, comm: "t", exe: modules[0].path, threads: [] },
    signal: { number: 11, name: "SEGV", code: null, address: null },
    app: null,
    backtrace: { quality: null, error: null, signature: null, threads: [], modules },
    errors: [],
  };
  const recPath = path.join(tmp, "record.json");
  fs.writeFileSync(recPath, JSON.stringify(record));
  const event = JSON.parse(run(args.tool, ["event", recPath, "--no-journal"]));
  try {
    assert.equal(event.debug_meta.images.length, modules.length);
    for (const im of event.debug_meta.images) {
      const want = expected[modules.find((m) => im.code_file.endsWith(path.basename(m.path))).path];
      assert.equal(im.debug_id, want, `event image ${im.code_file}`);
    }
    console.log(`ok ${n} - event debug_meta.images agree with sentry-cli`);
  } catch (e) {
    failures++;
    console.log(`not ok ${n} - event images\n# ${e.message}`);
  }
  console.log(`1..${n}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
