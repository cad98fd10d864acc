// The TAP output of the node test scripts: test() runs one case and prints
// "ok N" or "not ok N" with the error as comments; done() prints the plan and
// the "N passed, N failed" line and exits non-zero when a case failed.
let count = 0;
let failures = 0;

export async function test(name, fn) {
  count++;
  try {
    await fn();
    console.log(`ok ${count} - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok ${count} - ${name}`);
    console.log(String(e.stack ?? e).split("\n").map((l) => `# ${l}`).join("\n"));
  }
}

export function done() {
  console.log(`1..${count}`);
  console.log(`# ${count - failures} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}
