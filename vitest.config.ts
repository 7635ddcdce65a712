import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Every package and the cross-adapter suites, in one run with one summary.
    projects: [
      "packages/*/vitest.config.ts",
      "test/vitest.config.ts",
      "test/*/vitest.config.ts",
      // .mts where the example is CommonJS (examples/nestjs), so Vite loads the config as ESM.
      "examples/*/vitest.config.{ts,mts}",
      {
        // The core's suite again, with the Node build's hashing (node:crypto) in place of @noble/hashes.
        resolve: { alias: [{ find: /^(.*)\/hash\/web$/, replacement: "$1/hash/node" }] },
        test: {
          name: "core (node hash)",
          root: "packages/core",
          include: ["test/**/*.test.ts"],
        },
      },
    ],
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
  },
});
