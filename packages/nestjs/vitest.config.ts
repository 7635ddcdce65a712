import swc from "unplugin-swc";
import { defineProject } from "vitest/config";

export default defineProject({
  // Nest's dependency injection reads decorator metadata, which esbuild does not emit: SWC does.
  plugins: [swc.vite({ module: { type: "es6" } })],
  test: { name: "nestjs", include: ["test/**/*.test.ts"] },
});
