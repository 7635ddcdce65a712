import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "example-next",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // `next build` (15 to 40 s on a busy 2-core machine) and `next start`, bounded.
    hookTimeout: 420_000,
  },
});
