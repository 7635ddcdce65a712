import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { LongestFirstSequencer } from "./test/sequencer.ts";

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
        // The core's suite again as the Node build runs it: node:crypto hashing in place of
        // @noble/hashes, node:http in place of fetch (the transport suite runs on both), and
        // diagnostics_channel telemetry.
        resolve: {
          alias: [{ find: /^(.*)\/(hash|http|telemetry)\/web$/, replacement: "$1/$2/node" }],
        },
        test: {
          name: "core (node)",
          root: "packages/core",
          include: ["test/**/*.test.ts"],
        },
      },
    ],
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
    // One file more than there are cores (Vitest's default is one fewer: a single worker on
    // a 2-core machine). Many files spend most of their time waiting on processes they
    // started (npm ci, next build, Bun, a second Vitest); the extra worker keeps the cores
    // busy meanwhile. Override with --maxWorkers.
    maxWorkers: availableParallelism() + 1,
    // The slowest files first, so that they run beside the short ones (test/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
  },
});
