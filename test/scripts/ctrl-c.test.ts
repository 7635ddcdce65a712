import { describe, expect, it } from "vitest";
import { ctrlC } from "./run-script";

// Ctrl-C is how a user stops the demo and the examples: it must end with status 0 and no
// failure report from pnpm (ELIFECYCLE, ERR_PNPM_…), which reads as a crash.
const apps: readonly { name: string; args: string[]; ready: RegExp }[] = [
  { name: "the demo (pnpm start)", args: ["start"], ready: /Press Ctrl-C to stop/ },
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
  it.each(apps)("stops $name quietly, with status 0", async ({ args, ready }) => {
    const stopped = await ctrlC(args, ready);
    expect(stopped.stdout).toMatch(ready);
    expect(`${stopped.stdout}\n${stopped.stderr}`).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(0);
  });
});
