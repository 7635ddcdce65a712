import swc from "unplugin-swc";
import { defineProject } from "vitest/config";

export default defineProject({
  // The NestJS harnesses need decorator metadata, which esbuild does not emit: SWC does.
  plugins: [swc.vite({ module: { type: "es6" } })],
  test: {
    name: "conformance",
    include: ["conformance/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
