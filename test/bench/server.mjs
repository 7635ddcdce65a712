// Child process: builds one app configuration and serves it until told to stop.
// Messages in: {type:"start", config}, {type:"memory"}, {type:"cpu"}, {type:"stop"}, and
// diagnose.mjs's {type:"diag:start"} and {type:"diag:stop"} (diagnostics-child.mjs).
import { builders } from "./apps.mjs";

let app;

function collect() {
  if (typeof globalThis.gc === "function") {
    globalThis.gc();
    globalThis.gc();
  }
}

process.on("message", async (message) => {
  try {
    if (message.type === "start") {
      const build = builders[message.config.framework];
      if (!build) throw new Error(`unknown framework ${message.config.framework}`);
      app = await build(message.config);
      // Listeners on keyguard's diagnostics channels, for the telemetry section (config.telemetry).
      if (message.config.telemetry)
        await (await import("./telemetry-subscribers.mjs")).subscribe(message.config.telemetry, [
          app.verifier,
        ]);
      process.send({ type: "ready", url: app.url });
    } else if (message.type === "memory") {
      collect();
      const usage = process.memoryUsage();
      process.send({
        type: "memory",
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        cacheSize: app?.verifier?.stats().size,
      });
    } else if (message.type === "cpu") {
      // This process's CPU time so far (µs), user and system (the kernel's work for its
      // sockets) apart: the parent divides the differences by the requests served.
      const { user, system } = process.cpuUsage();
      process.send({ type: "cpu", micros: user + system, user, system });
    } else if (message.type.startsWith("diag:")) {
      // diagnose.mjs: allocations and collections over a window of load.
      const { handle } = await import("./diagnostics-child.mjs");
      process.send({ type: message.type, ...(await handle(message)) });
    } else if (message.type === "stop") {
      await app?.close();
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: "error", message: String(error?.stack ?? error) });
  }
});
