import { describe, it } from "vitest";
import { ctrlC, expectQuietStop } from "./run-script";

// Ctrl-C is how a user stops the demo and the examples: it must end with status 0 and no
// failure report from pnpm (ELIFECYCLE, ERR_PNPM_…), which reads as a crash. The demo's
// `pnpm start` is stopped in start-progress.test.ts, which checks its output too.
const apps: readonly { name: string; args: string[]; ready: RegExp }[] = [
  ...["express", "hono", "fastify", "nestjs"].map((example) => ({
    name: `examples/${example}`,
    args: ["--filter", `@keyguard/example-${example}`, "start"],
    ready: /example on http/,
  })),
  {
    name: "examples/cluster",
    args: ["--filter", "@keyguard/example-cluster", "start"],
    ready: /instances sharing one Redis/,
  },
];

describe("Ctrl-C", () => {
  // Side by side: each app runs in a process group of its own, on a port of its own (PORT=0),
  // and none of these scripts builds a workspace package (the demo's turbo build does).
  it.concurrent.each(apps)("stops $name quietly, with status 0", async ({ args, ready }) => {
    expectQuietStop(await ctrlC(args, ready), ready);
  });
});
