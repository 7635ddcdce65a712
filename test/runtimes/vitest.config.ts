import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "runtimes",
    include: ["*.test.ts"],
    testTimeout: 20_000,
    // Bundling, then starting each runtime (workerd through Miniflare is the slowest).
    hookTimeout: 60_000,
  },
});
