import { defineConfig, type Options } from "tsup";

/**
 * One build recipe for every published package: ESM + CJS, each with its own
 * declaration file (`.d.ts` / `.d.cts`) so that `@arethetypeswrong/cli` sees
 * per-condition types.
 */
export function packageBuild(entry: Options["entry"], overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    platform: "neutral",
    splitting: false,
    treeshake: true,
    ...overrides,
  });
}
