import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { overBudget, sectionKeys } from "./install-budget";
import { ROOT } from "./published";

const LOCK = readFileSync(join(ROOT, "pnpm-lock.yaml"), "utf8");

/**
 * The default install (`pnpm install`, 1.48 GB before issue 29 item 10, about 640 MB after)
 * stays small: pnpm-lock.yaml, which is what `pnpm install --frozen-lockfile` installs, holds
 * none of the runtimes, Next.js 16, Next's SWC compiler or sharp. clean-clone.test.ts measures
 * the install itself.
 */
describe("the default install", () => {
  it("reads the lock's packages and importers", () => {
    // The scan must see the lock, or an empty answer below would prove nothing.
    expect(sectionKeys(LOCK, "packages")).toContainEqual(expect.stringMatching(/^next@15\./));
    expect(sectionKeys(LOCK, "importers")).toEqual(expect.arrayContaining([".", "test"]));
  });

  it("finds what it looks for in a lock that has it", () => {
    const lock = [
      "importers:",
      "",
      "  test/runtimes:",
      "    devDependencies: {}",
      "",
      "packages:",
      "",
      "  bun@1.4.5:",
      "    resolution: {}",
      "  '@next/swc-linux-x64-gnu@15.5.29':",
      "    resolution: {}",
      "  next@16.4.6:",
      "    resolution: {}",
      "  next@15.5.29:",
      "    resolution: {}",
      "",
    ].join("\n");
    expect(overBudget(lock)).toEqual([
      "bun@1.4.5: a runtime of test/runtimes",
      "@next/swc-linux-x64-gnu@15.5.29: Next's compiler: no default suite runs `next build`",
      "next@16.4.6: examples/next's Next.js",
      "test/runtimes: an npm project, not a workspace package",
    ]);
  });

  it("pulls no runtime, no Next.js 16, no SWC binary and no sharp", () => {
    expect(overBudget(LOCK)).toEqual([]);
  });
});
