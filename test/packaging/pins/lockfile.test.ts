import { describe, expect, it } from "vitest";
import { isKeyguardPath, type Lockfile, stripKeyguardIntegrity } from "./lockfile";

describe("the lock written for a consumer project", () => {
  const lock: Lockfile = {
    lockfileVersion: 3,
    packages: {
      "": { dependencies: { "@keyguard/fastify": "file:tarballs/keyguard-fastify.tgz" } },
      "node_modules/@keyguard/fastify": {
        version: "0.1.0",
        resolved: "file:tarballs/keyguard-fastify.tgz",
        integrity: "sha512-packing-day",
      },
      "node_modules/@keyguard/fastify/node_modules/fastify-plugin": {
        version: "5.1.0",
        integrity: "sha512-registry",
      },
      "node_modules/other/node_modules/@keyguard/core": { version: "0.1.0", integrity: "sha512-x" },
    },
  };

  it("drops the integrity of every keyguard tarball, nested ones too", () => {
    const stripped = stripKeyguardIntegrity(lock);
    expect(stripped.packages["node_modules/@keyguard/fastify"]).toEqual({
      version: "0.1.0",
      resolved: "file:tarballs/keyguard-fastify.tgz",
    });
    expect(stripped.packages["node_modules/other/node_modules/@keyguard/core"]).toEqual({
      version: "0.1.0",
    });
  });

  it("keeps the integrity of every registry package, even one inside a keyguard package", () => {
    const stripped = stripKeyguardIntegrity(lock);
    expect(stripped.packages["node_modules/@keyguard/fastify/node_modules/fastify-plugin"]).toEqual(
      { version: "5.1.0", integrity: "sha512-registry" },
    );
    expect(isKeyguardPath("node_modules/@keyguard/fastify/node_modules/fastify-plugin")).toBe(
      false,
    );
  });
});
