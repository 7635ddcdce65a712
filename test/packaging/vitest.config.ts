import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "packaging",
    include: ["**/*.test.ts"],
    // Packs every published package once for the suites that install them (packedTarballs()).
    globalSetup: ["./pack-all.ts"],
    // Packing, linting and installing into fresh projects takes a while, the more so beside
    // the other suites (`pnpm test` runs files side by side).
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
