import { describe, expect, it } from "vitest";
import { ctrlC, expectQuietStop, type Stopped } from "./run-script";

/**
 * The demo's `pnpm start`, run once for both checks below: what it prints before the demo's
 * own output, and how it ends on Ctrl-C. ctrl-c.test.ts stops the examples the same way.
 */
let started: Promise<Stopped> | undefined;
const READY = /Press Ctrl-C to stop/;
const startDemo = (): Promise<Stopped> => {
  started ??= ctrlC(["start"], READY);
  return started;
};

// The first `pnpm start` builds the packages the demo needs (half a minute or more): a line
// per package says it is working, before the demo's own output.
it("pnpm start names each package it builds before the demo starts", async () => {
  const stopped = await startDemo();
  const demoAt = stopped.stdout.indexOf("keyguard demo:");
  expect(demoAt).toBeGreaterThan(0);
  const before = stopped.stdout.slice(0, demoAt);
  for (const name of ["core", "emulator", "hono"])
    expect(before).toMatch(new RegExp(`^@keyguard/${name}:build: `, "m"));
  // The emulator's console, by its one-time link (issue 33).
  expect(stopped.stdout.slice(demoAt)).toMatch(
    /^Console \(.*\):\n {2}http:\/\/127\.0\.0\.1:\d+\/console\/login\?token=[\w-]{43}$/m,
  );
});

describe("Ctrl-C", () => {
  it("stops the demo (pnpm start) quietly, with status 0", async () => {
    expectQuietStop(await startDemo(), READY);
  });
});
