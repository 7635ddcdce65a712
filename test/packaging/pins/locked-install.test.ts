import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installKey, installLocked, STAMP } from "./locked-install";

/** A project with no dependencies: `npm ci` runs for real, and needs no registry. */
const MANIFEST = { name: "locked-install-probe", version: "1.0.0", private: true };
const LOCK = {
  name: "locked-install-probe",
  version: "1.0.0",
  lockfileVersion: 3,
  requires: true,
  packages: { "": { name: "locked-install-probe", version: "1.0.0" } },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keyguard-locked-install-"));
  await writeFile(join(dir, "package.json"), JSON.stringify(MANIFEST));
  await writeFile(join(dir, "package-lock.json"), JSON.stringify(LOCK));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("a suite's install on first run", () => {
  it("runs npm ci once, then not again while the lock is the same", async () => {
    expect(await installLocked(dir)).toBe(true);
    expect(await readFile(join(dir, STAMP), "utf8")).toBe(await installKey(dir));
    expect(await installLocked(dir)).toBe(false);
  });

  it("installs again when the lock or a tarball changes, or node_modules is deleted", async () => {
    const tarball = join(dir, "extra.tgz");
    await writeFile(tarball, "one packing");
    expect(await installLocked(dir, [tarball])).toBe(true);
    await writeFile(tarball, "a rebuilt package");
    expect(await installLocked(dir, [tarball])).toBe(true);
    await writeFile(join(dir, "package-lock.json"), JSON.stringify(LOCK, null, 2));
    expect(await installLocked(dir, [tarball])).toBe(true);
    await rm(join(dir, "node_modules"), { recursive: true });
    expect(await installLocked(dir, [tarball])).toBe(true);
    expect(await installLocked(dir, [tarball])).toBe(false);
  });

  it("leaves no stamp when npm ci fails, so the next run tries again", async () => {
    await installLocked(dir);
    // A lock that disagrees with package.json: npm ci refuses it.
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ ...MANIFEST, version: "2.0.0", dependencies: { "left-pad": "1.3.0" } }),
    );
    await expect(installLocked(dir)).rejects.toThrow();
    expect(existsSync(join(dir, STAMP))).toBe(false);
  });
});
