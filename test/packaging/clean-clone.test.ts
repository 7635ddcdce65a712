import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLISHED, ROOT } from "./published";

const run = promisify(execFile);

/**
 * What a stranger gets: a fresh clone, `pnpm install`, `pnpm -r pack` and no
 * build beforehand. Each package's `prepack` must build it, so every tarball
 * holds `dist/` (every file its `exports`, `main`, `types` and `bin` name),
 * the LICENSE, and no `workspace:` range.
 *
 * The clone is of HEAD with the work tree's files laid over it (tracked and
 * untracked, minus what .gitignore drops), so the test checks what the next
 * commit would ship; in CI the two are the same.
 */
let workdir: string;
let clone: string;
let packed: string;
/** Packages that had a dist/ before `pnpm -r pack` (must be none). */
let builtBeforePack: string[];
/** The size of the clone's node_modules right after `pnpm install`, in kilobytes. */
let installedKilobytes: number;

/** Files of the work tree that a commit of everything would hold. */
async function committable(): Promise<string[]> {
  const { stdout } = await run(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout.split("\0").filter((file) => file !== "" && existsSync(join(ROOT, file)));
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "keyguard-clean-clone-"));
  clone = join(workdir, "repo");
  packed = join(workdir, "tarballs");
  await mkdir(packed);
  await run("git", ["clone", "--quiet", "--no-checkout", ROOT, clone]);
  await run("git", ["checkout", "--quiet", "HEAD", "--", "."], { cwd: clone });
  for (const file of await committable()) {
    await mkdir(dirname(join(clone, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(clone, file));
  }
  // The store is shared with the main checkout, so this links rather than downloads.
  await run("pnpm", ["install", "--frozen-lockfile", "--prefer-offline", "--reporter=silent"], {
    cwd: clone,
    timeout: 600_000,
  });
  const { stdout: du } = await run("du", ["-sk", join(clone, "node_modules")]);
  installedKilobytes = Number.parseInt(du, 10);
  builtBeforePack = PUBLISHED.filter((pkg) => existsSync(join(clone, pkg.dir, "dist"))).map(
    (pkg) => pkg.name,
  );
  await run("pnpm", ["-r", "pack", "--pack-destination", packed], {
    cwd: clone,
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // Both steps are bounded above; the hook allows both (nine packages build in `pack`, about
  // 100 CPU-seconds, beside the other suites of `pnpm test`; and the install of the workspace).
}, 1_560_000);
afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

/** The tarball `pnpm pack` named for a package (`@scope/name` → `scope-name-<version>.tgz`). */
async function tarballOf(name: string): Promise<string | undefined> {
  const prefix = `${name.replace("@", "").replace("/", "-")}-`;
  return (await readdir(packed)).find((file) => file.startsWith(prefix) && file.endsWith(".tgz"));
}

/** Every file a manifest points at, as tarball paths (`package/…`). */
function entryFiles(manifest: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      if (value.startsWith("./") && !value.endsWith("package.json")) found.add(value);
    } else if (value !== null && typeof value === "object") {
      for (const item of Object.values(value)) walk(item);
    }
  };
  walk(manifest.exports);
  walk(manifest.main);
  walk(manifest.module);
  walk(manifest.types);
  walk(manifest.bin);
  return [...found].map((file) => `package/${file.slice(2)}`);
}

describe("a clean clone packed without a prior build", () => {
  it("installs at most 700 MB (1.48 GB before the runtimes and Next.js 16 left it)", () => {
    // Issue 29, item 10: install-budget.test.ts names what must stay out of the lock.
    expect(installedKilobytes).toBeGreaterThan(0);
    expect(installedKilobytes / 1024).toBeLessThanOrEqual(700);
  });

  it("starts with no dist/ anywhere (nothing built, nothing committed)", () => {
    expect(builtBeforePack).toEqual([]);
  });

  it("yields one tarball per published package and nothing else", async () => {
    const tarballs = await readdir(packed);
    expect(tarballs).toHaveLength(PUBLISHED.length);
    for (const pkg of PUBLISHED) expect(await tarballOf(pkg.name), pkg.name).toBeDefined();
  });

  describe.each(PUBLISHED)("$name", (pkg) => {
    it("holds dist/ with every entry point, the LICENSE, and no workspace: range", async () => {
      const tarball = await tarballOf(pkg.name);
      expect(tarball, `${pkg.name}: no tarball`).toBeDefined();
      const path = join(packed, tarball as string);
      const { stdout } = await run("tar", ["-tzf", path]);
      const files = stdout.split("\n").filter(Boolean);
      const manifest = JSON.parse(
        (await run("tar", ["-xzOf", path, "package/package.json"])).stdout,
      ) as Record<string, unknown>;

      expect(files.filter((f) => f.startsWith("package/dist/")).length).toBeGreaterThan(0);
      expect(files).toContain("package/LICENSE");
      for (const entry of entryFiles(manifest)) expect(files, entry).toContain(entry);
      expect(JSON.stringify(manifest)).not.toContain("workspace:");

      const license = (await run("tar", ["-xzOf", path, "package/LICENSE"])).stdout;
      expect(license).toBe(await readFile(join(ROOT, "LICENSE"), "utf8"));
    });
  });
});
