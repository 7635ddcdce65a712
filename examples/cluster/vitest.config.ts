import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "example-cluster",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Forks three instances (tsx) and starts Redis: seconds on a busy machine, not the default 10.
    hookTimeout: 60_000,
    // After the other projects (with test/cluster), so the 50 ms store timeout is not spent on CPU contention.
    sequence: { groupOrder: 1 },
  },
});
