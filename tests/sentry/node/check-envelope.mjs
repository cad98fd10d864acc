// usage: node check-envelope.mjs ENVELOPE_FILE RECORD.json [--comment TEXT [--email ADDR]] [--dsn DSN] [--secret S] [--core]
//        [--feedback-sent-apart]   (a received crash envelope: its feedback went in an envelope of its own)
// Parses an envelope with @sentry/core and the strict framing walk, and checks
// it field by field against the crash record it was built from.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { checkAgainstRecord } from "./envelope-checks.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    comment: { type: "string" }, email: { type: "string" }, dsn: { type: "string" }, secret: { type: "string" },
    core: { type: "boolean" }, "feedback-sent-apart": { type: "boolean" },
  },
});
const [envPath, recordPath] = positionals;
const bytes = fs.readFileSync(envPath);
const record = JSON.parse(fs.readFileSync(recordPath, "utf8"));
const { header, byType } = checkAgainstRecord(bytes, record, { ...values, feedbackSentApart: values["feedback-sent-apart"] });
console.log(`ok ${header.event_id}: ${Object.entries(byType).map(([t, l]) => `${l.length} ${t}`).join(", ")}, ${bytes.length} bytes`);
