import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "bench-smoke",
    include: ["bench-smoke.test.ts"],
    testTimeout: 120_000,
    // With test/cluster, after the suites that run side by side: the smoke pass bounds each
    // upstream call (the core's default 2 s timeout), which a saturated machine can exceed.
    sequence: { groupOrder: 1 },
    maxWorkers: 1,
  },
});
