import swc from "unplugin-swc";
import { defineProject } from "vitest/config";

export default defineProject({
  // esbuild drops decorator metadata; SWC keeps it, as Nest's dependency injection needs.
  plugins: [swc.vite({ module: { type: "es6" } })],
  test: { name: "example-nestjs", include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
