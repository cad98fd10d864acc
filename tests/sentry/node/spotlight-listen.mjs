// SPDX-License-Identifier: LGPL-2.1-or-later
// Subscribes to a Spotlight receiver's /stream and writes every envelope it
// announces as one JSON line ([header, [[itemHeader, payload], …]]) to
// stdout; "spotlight-listen: connected" on stderr each time it (re)connects.
// Reconnects while Spotlight is down, so a test can stop and restart the
// receiver. Runs until killed. The reporter tests use it (tests/reporter/lib/session.sh).
//
// usage: node spotlight-listen.mjs PORT
import { listenForever } from "./spotlight.mjs";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`usage: node spotlight-listen.mjs PORT (not ${JSON.stringify(process.argv[2])})\n`);
  process.exit(2);
}
await listenForever(port, {
  client: "coroner-reporter-test",
  onConnect: () => process.stderr.write("spotlight-listen: connected\n"),
  onEnvelope: (envelope) => process.stdout.write(JSON.stringify(envelope) + "\n"),
  onError: (e) => process.stderr.write(`spotlight-listen: ${e.message ?? e}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ""}\n`),
});
