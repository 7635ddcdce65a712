import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "cluster",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Runs after every other project, alone: its figures (upstream calls, revocation lag,
    // the store's 50 ms timeout) are about coordination, not about a saturated 2-core machine.
    sequence: { groupOrder: 1 },
  },
});
