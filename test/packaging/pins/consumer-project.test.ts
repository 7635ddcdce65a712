import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedTarballs } from "../pack-all";
import { installConsumer } from "./consumer-project";
import { PinsOutOfDateError } from "./lock-check";

const run = promisify(execFile);

let workdir: string;
beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "keyguard-consumer-project-"));
});
afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

/** `tarball` packed again with one more dependency, as the next change to the package would. */
async function withDependency(tarball: string, name: string, range: string): Promise<string> {
  const dir = join(workdir, "repack");
  await mkdir(dir, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", dir]);
  const path = join(dir, "package/package.json");
  const manifest = JSON.parse(await readFile(path, "utf8")) as { dependencies?: object };
  manifest.dependencies = { ...manifest.dependencies, [name]: range };
  await writeFile(path, JSON.stringify(manifest, null, 2));
  const repacked = join(workdir, "keyguard-redis-grown.tgz");
  await run("tar", ["-czf", repacked, "-C", dir, "package"]);
  return repacked;
}

describe("a pinned install whose tarball declares what its lock lacks", () => {
  it("stops before npm runs, naming the package and the fix", async () => {
    const tarballs = packedTarballs();
    const grown = await withDependency(tarballs["@keyguard/redis"] ?? "", "redis-errors", "^1.2.0");
    const attempt = installConsumer("esm-nest12", join(workdir, "projects"), {
      ...tarballs,
      "@keyguard/redis": grown,
    });
    await expect(attempt).rejects.toThrow(PinsOutOfDateError);
    await expect(attempt).rejects.toThrow(
      "the pinned lock of esm-nest12 is out of date: run `pnpm pins:update`\n  node_modules/@keyguard/redis: dependencies",
    );
    expect(existsSync(join(workdir, "projects/esm-nest12/node_modules"))).toBe(false);
  });
});
