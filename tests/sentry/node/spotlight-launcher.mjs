// Starts Spotlight, Sentry's local development receiver, on 127.0.0.1 only.
//
// Spotlight's own CLI binds every interface and turns on its telemetry
// (run.js loads instrument.js, which initialises @sentry/node). Through
// setupSpotlight() neither happens: @sentry/node stays uninitialised, so its
// spans are no-ops and nothing is sent anywhere. setupSpotlight() passes no
// host to the HTTP server, so listen() is narrowed to the loopback address
// here, before Spotlight creates its server.
//
// usage: node spotlight-launcher.mjs [PORT]   (0 or none: a free port)
// Prints "spotlight-port N" on stdout once it accepts connections.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || args[0] === undefined) {
    const port = args[0] ?? 0;
    const rest = args.slice(1).filter((a) => typeof a === "function");
    return listen.call(this, { port, host: "127.0.0.1" }, ...rest);
  }
  if (args[0] && typeof args[0] === "object" && !("path" in args[0])) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};

const { setupSpotlight } = await import("@spotlightjs/spotlight");

const quiet = process.env.SPOTLIGHT_DEBUG ? console : { info() {}, warn() {}, error: console.error, debug() {} };
const port = Number(process.argv[2] ?? 0);
const server = await setupSpotlight({ port, isStandalone: true, logger: quiet });
if (!server) {
  console.error("spotlight-launcher: Spotlight did not start (is one already running on that port?)");
  process.exit(1);
}
const address = server.address();
if (!address || address.address !== "127.0.0.1") {
  console.error(`spotlight-launcher: bound to ${JSON.stringify(address)}, not 127.0.0.1`);
  process.exit(1);
}
process.stdout.write(`spotlight-port ${address.port}\n`);
