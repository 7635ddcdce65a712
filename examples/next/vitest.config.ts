import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "example-next",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // `next build` (about 1.5 min on a busy 2-core machine) and `next start`, bounded.
    hookTimeout: 420_000,
  },
});
