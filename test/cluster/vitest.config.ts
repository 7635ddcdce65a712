import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "cluster",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
