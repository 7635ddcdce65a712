import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "scripts",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    // Each test starts an app through pnpm (and, for `pnpm start`, turbo): tens of seconds
    // on a busy 2-core machine.
    testTimeout: 120_000,
    // Last, alone: the demo's `pnpm start` runs turbo, whose cache hits rewrite the packages'
    // dist/ in place, which another suite importing them at that moment could read half-written.
    sequence: { groupOrder: 2 },
    maxWorkers: 1,
  },
});
