// Child process: one emulator. argv: latencyMs, seed JSON file path (optional).
// Messages in: {type:"stats"}, {type:"resetStats"}, {type:"stop"}.
import { readFileSync } from "node:fs";
import { startEmulator } from "@keyguard/emulator";

const latencyMs = Number(process.argv[2] ?? 0);
const seedFile = process.argv[3];
const seed = seedFile ? JSON.parse(readFileSync(seedFile, "utf8")) : undefined;
const emulator = await startEmulator({ latencyMs, seed });
process.send({ type: "ready", url: emulator.url, rootKey: emulator.rootKey });

process.on("message", async (message) => {
  if (message.type === "stats") process.send({ type: "stats", stats: emulator.stats() });
  else if (message.type === "resetStats") {
    emulator.resetStats();
    process.send({ type: "resetStats" });
  } else if (message.type === "stop") {
    await emulator.stop();
    process.exit(0);
  }
});
