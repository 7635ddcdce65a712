import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "packaging",
    include: ["**/*.test.ts"],
    // Packs every published package once for the suites that install them (packedTarballs()).
    globalSetup: ["./pack-all.ts"],
    // Packing, linting and installing into fresh projects takes a while.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
