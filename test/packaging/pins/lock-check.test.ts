import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packedTarballs } from "../pack-all";
import { CONSUMERS } from "./consumer-project";
import { tarballManifest, tarballSpec } from "./keyguard-tarballs";
import { assertPinsCurrent, PinsOutOfDateError, pinProblems } from "./lock-check";
import type { Lockfile, Manifest } from "./lockfile";

const core: Manifest = {
  name: "@keyguard/core",
  version: "0.1.0",
  dependencies: { "lru-cache": "^11.2.2" },
};
const redis: Manifest = {
  name: "@keyguard/redis",
  version: "0.1.0",
  dependencies: { "@keyguard/core": "^0.1.0" },
  peerDependencies: { ioredis: "^6.0.0" },
};

/** A consumer manifest and the lock `pnpm pins:update` writes for it, for these tarballs. */
function pinned(packed: readonly Manifest[]): { manifest: Manifest; lock: Lockfile } {
  const dependencies = {
    ...Object.fromEntries(packed.map((p) => [p.name, tarballSpec(p.name ?? "")])),
    ioredis: "6.0.0",
  };
  const entries = packed.map((p) => {
    const { name, version, dependencies, peerDependencies } = p;
    return [
      `node_modules/${name}`,
      { version, resolved: tarballSpec(name ?? ""), dependencies, peerDependencies },
    ];
  });
  const lock: Lockfile = {
    lockfileVersion: 3,
    packages: {
      "": { dependencies },
      ...Object.fromEntries(entries),
      "node_modules/ioredis": { version: "6.0.0", integrity: "sha512-third-party-keeps-its-own" },
    },
  };
  return { manifest: { dependencies }, lock };
}

describe("the check of a pinned lock against this run's tarballs", () => {
  it("passes a lock written for the same tarballs", () => {
    const { manifest, lock } = pinned([core, redis]);
    expect(pinProblems(manifest, lock, [core, redis])).toEqual([]);
  });

  it("names a dependency a tarball now declares that the lock lacks (npm ci would skip it)", () => {
    const { manifest, lock } = pinned([core, redis]);
    const grown = { ...redis, dependencies: { ...redis.dependencies, "redis-errors": "^1.2.0" } };
    expect(pinProblems(manifest, lock, [core, grown])).toEqual([
      'node_modules/@keyguard/redis: dependencies.redis-errors "^1.2.0" packed, (none) in the lock',
    ]);
  });

  it("names a changed peer range and a new version", () => {
    const { manifest, lock } = pinned([core, redis]);
    const moved = { ...redis, version: "0.2.0", peerDependencies: { ioredis: "^6.1.0" } };
    expect(pinProblems(manifest, lock, [core, moved])).toEqual([
      "node_modules/@keyguard/redis: version 0.1.0 in the lock, 0.2.0 packed",
      'node_modules/@keyguard/redis: peerDependencies.ioredis "^6.1.0" packed, "^6.0.0" in the lock',
    ]);
  });

  it("refuses an integrity on a keyguard entry (npm ci would install its cached older packing)", () => {
    const { manifest, lock } = pinned([core, redis]);
    const entry = lock.packages["node_modules/@keyguard/core"];
    lock.packages["node_modules/@keyguard/core"] = { ...entry, integrity: "sha512-packing-day" };
    expect(pinProblems(manifest, lock, [core, redis])).toEqual([
      "node_modules/@keyguard/core: an integrity in the lock (npm ci would install a cached old tarball)",
    ]);
  });

  it("names a published package the manifest and the lock do not have yet", () => {
    const { manifest, lock } = pinned([core]);
    expect(pinProblems(manifest, lock, [core, redis])).toEqual([
      `package.json: no @keyguard/redis (${tarballSpec("@keyguard/redis")})`,
      "@keyguard/redis: not in the lock",
    ]);
  });

  it("names a manifest edited without rewriting the lock", () => {
    const { manifest, lock } = pinned([core, redis]);
    const edited = { dependencies: { ...manifest.dependencies, ioredis: "6.1.0" } };
    expect(pinProblems(edited, lock, [core, redis])).toEqual([
      'package.json: dependencies.ioredis "6.1.0" in package.json, "6.0.0" in the lock',
    ]);
  });

  it("stops the install with the fix to run", () => {
    const { manifest, lock } = pinned([core]);
    const grown = { ...core, dependencies: { ...core.dependencies, "left-pad": "^1.3.0" } };
    const attempt = () => assertPinsCurrent("esm-nest12", manifest, lock, [grown]);
    expect(attempt).toThrow(PinsOutOfDateError);
    expect(attempt).toThrow(
      /^the pinned lock of esm-nest12 is out of date: run `pnpm pins:update`\n {2}node_modules\/@keyguard\/core: dependencies/,
    );
  });
});

describe("the checked-in pins (test/packaging/consumers)", () => {
  const projects = readdirSync(CONSUMERS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  it("are the four projects the packaging suites install", () => {
    expect(projects.sort()).toEqual(["cjs-nest11", "esm-nest11", "esm-nest12", "readme-examples"]);
  });

  it.each(projects)("%s matches the tarballs packed this run", async (project) => {
    const read = (file: string) => JSON.parse(readFileSync(join(CONSUMERS, project, file), "utf8"));
    const packed = await Promise.all(Object.values(packedTarballs()).map(tarballManifest));
    expect(pinProblems(read("package.json"), read("package-lock.json"), packed)).toEqual([]);
  });
});
