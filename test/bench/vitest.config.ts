import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "bench-smoke",
    include: ["bench-smoke.test.ts"],
    testTimeout: 120_000,
  },
});
