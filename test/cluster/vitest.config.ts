import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "cluster",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Runs after every other project, so that the figures it prints (revocation lag, latency
    // during a Redis outage) describe coordination rather than a saturated 2-core machine. Its
    // assertions hold either way: counts and events, no elapsed-time bound.
    sequence: { groupOrder: 1 },
    // One file at a time, with example-cluster (same group), as when the whole run had one worker.
    maxWorkers: 1,
  },
});
