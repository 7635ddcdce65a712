import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exactSpec, npmInstall, npmInstallArgs, npx } from "./registry";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "keyguard-registry-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the registry module", () => {
  it("installs a pinned project with npm ci from npm's cache, never npm install", () => {
    expect(npmInstallArgs("pinned")).toEqual([
      "ci",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      "--prefer-offline",
    ]);
  });

  it("resolves afresh for pins:update and test:drift, past npm's cached packuments", () => {
    for (const mode of ["update", "drift"] as const) {
      expect(npmInstallArgs(mode)[0]).toBe("install");
      expect(npmInstallArgs(mode)).toContain("--prefer-online");
      expect(npmInstallArgs(mode)).not.toContain("--prefer-offline");
    }
  });

  it("refuses a pinned install without a lock, and a fresh one with a lock", async () => {
    await writeFile(join(dir, "package.json"), "{}");
    await expect(npmInstall(dir, "pinned")).rejects.toThrow("has no package-lock.json");
    await writeFile(join(dir, "package-lock.json"), "{}");
    await expect(npmInstall(dir, "drift")).rejects.toThrow("has a package-lock.json");
  });

  it("runs npx on exact versions only", () => {
    expect(exactSpec("node@22.23.3")).toBe("node@22.23.3");
    expect(exactSpec("@arethetypeswrong/cli@0.18.5")).toBe("@arethetypeswrong/cli@0.18.5");
    for (const loose of ["node@22", "node@^22.0.0", "node@latest", "node", "node@22.x"]) {
      expect(() => exactSpec(loose), loose).toThrow("is not an exact version");
    }
    expect(() => npx("node@22", ["-v"], { timeout: 1000 })).toThrow(
      "node@22 is not an exact version",
    );
  });
});
