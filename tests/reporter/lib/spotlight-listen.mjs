// SPDX-License-Identifier: LGPL-2.1-or-later
// Subscribes to a Spotlight receiver's /stream (server-sent events) and writes
// every envelope it announces as one JSON line ([header, [[itemHeader, payload], …]])
// to stdout.  Reconnects while Spotlight is down, so a test can stop and
// restart the receiver.
//
// usage: node spotlight-listen.mjs PORT
const port = Number(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (;;) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/stream?client=coroner-reporter-test`);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    process.stderr.write(`spotlight-listen: connected\n`);
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body) {
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
        if (ev.data && ev.event === "application/x-sentry-envelope") {
          process.stdout.write(JSON.stringify(JSON.parse(ev.data)) + "\n");
        }
      }
    }
  } catch (e) {
    // Spotlight is not (yet, or no longer) there.
  }
  await sleep(200);
}
