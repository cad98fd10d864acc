// usage: node check-minidump-envelope.mjs ENVELOPE_FILE RECORD.json MINIDUMP_OUT (attach|only)
// A crash report carrying a minidump: @sentry/core's parser and the strict
// framing walk agree on it, it checks out against its record like every
// report, its one event.minidump attachment is a minidump (written to
// MINIDUMP_OUT for Breakpad's tools), and with "only" the event has no stack
// trace of ours while with "attach" it keeps it.
import assert from "node:assert/strict";
import fs from "node:fs";
import { checkAgainstRecord } from "./envelope-checks.mjs";

const [envPath, recordPath, out, mode] = process.argv.slice(2);
const bytes = fs.readFileSync(envPath);
const record = JSON.parse(fs.readFileSync(recordPath, "utf8"));
const { byType } = checkAgainstRecord(bytes, record, { minidump: true, stacksLeftOut: mode === "only" });
const dumps = (byType.attachment ?? []).filter((a) => a.header.attachment_type === "event.minidump");
assert.equal(dumps.length, 1, "exactly one event.minidump attachment");
const [dump] = dumps;
assert.equal(dump.header.filename, "minidump.dmp");
assert.equal(Buffer.from(dump.raw.subarray(0, 4)).toString("latin1"), "MDMP", "the attachment is a minidump");
fs.writeFileSync(out, dump.raw);
const event = byType.event[0].parsed;
const stacks = [...(event.exception?.values ?? []), ...(event.threads?.values ?? [])].filter((v) => v.stacktrace);
if (mode === "only") assert.equal(stacks.length, 0, "Minidump=only: no stack trace of ours");
else assert.ok(stacks.length > 0, "Minidump=attach: our stack trace too");
console.log(`ok ${mode}: minidump of ${dump.raw.length} bytes, ${stacks.length} stack traces of ours`);
