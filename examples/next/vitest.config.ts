import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "example-next",
    include: ["test/**/*.test.ts"],
    // Packs the @keyguard packages and installs Next.js (package-lock.json) on the first run.
    globalSetup: ["./test/install.ts"],
    testTimeout: 30_000,
    // `next build` (15 to 40 s on a busy 2-core machine) and `next start`, bounded.
    hookTimeout: 420_000,
  },
});
