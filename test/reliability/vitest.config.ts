import swc from "unplugin-swc";
import { defineProject } from "vitest/config";

export default defineProject({
  // The NestJS harness needs decorator metadata, which esbuild does not emit: SWC does.
  plugins: [swc.vite({ module: { type: "es6" } })],
  test: {
    name: "reliability",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    globalSetup: ["./results-teardown.ts"],
    testTimeout: 30_000,
    hookTimeout: 20_000,
  },
});
