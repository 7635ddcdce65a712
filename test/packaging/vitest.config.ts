import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "packaging",
    include: ["**/*.test.ts"],
    // Packing, linting and installing into fresh projects takes a while.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
