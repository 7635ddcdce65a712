import { describe, expect, it } from "vitest";
import type { Lockfile, Manifest } from "./lockfile";
import { movedVersions } from "./moved";

const manifest: Manifest = {
  dependencies: { "@keyguard/redis": "file:tarballs/keyguard-redis.tgz", hono: "^4.10.0" },
  devDependencies: { typescript: "~5.9.3" },
};

function lock(versions: Record<string, string>): Lockfile {
  const packages: Lockfile["packages"] = {
    "node_modules/@keyguard/redis": { version: "0.1.0", peerDependencies: { ioredis: "^6.0.0" } },
  };
  for (const [name, version] of Object.entries(versions))
    packages[`node_modules/${name}`] = { version };
  return { lockfileVersion: 3, packages };
}

describe("what moved between the pins and a fresh resolution", () => {
  it("lists each direct dependency and keyguard peer whose version changed, and nothing else", () => {
    const pinned = lock({ hono: "4.10.3", typescript: "5.9.3", ioredis: "6.0.0", debug: "4.4.1" });
    const fresh = lock({ hono: "4.13.23", typescript: "5.9.3", ioredis: "6.1.0", debug: "4.4.3" });
    expect(movedVersions(manifest, pinned, fresh)).toEqual([
      { name: "hono", from: "4.10.3", to: "4.13.23" },
      { name: "ioredis", from: "6.0.0", to: "6.1.0" },
    ]);
  });

  it("reads a project without pins as every version new", () => {
    const fresh = lock({ hono: "4.13.23", typescript: "5.9.3", ioredis: "6.1.0" });
    expect(movedVersions(manifest, undefined, fresh).map((m) => [m.name, m.from])).toEqual([
      ["hono", undefined],
      ["ioredis", undefined],
      ["typescript", undefined],
    ]);
  });
});
