import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "example-cluster",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Three tsx processes start (each checking Unkey once) before the first test: seconds
    // apiece on a busy 2-core machine.
    hookTimeout: 60_000,
    // After the other projects (with test/cluster), so the 50 ms store timeout is not spent on CPU contention.
    sequence: { groupOrder: 1 },
    // One file at a time, with test/cluster (same group), as when the whole run had one worker.
    maxWorkers: 1,
  },
});
