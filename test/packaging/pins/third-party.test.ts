import { describe, expect, it } from "vitest";
import { packageOfPath, thirdPartyPackage } from "./third-party";

describe("which package a compiler error is inside", () => {
  it("names the third party whose declarations fail", () => {
    expect(
      thirdPartyPackage(
        "node_modules/ioredis/built/errors/WatchError.d.ts(1,28): error TS7016: Could not find a declaration file for module 'redis-errors'.",
      ),
    ).toBe("ioredis");
    expect(
      thirdPartyPackage(
        "node_modules/@nestjs/core/node_modules/@types/node/fs.d.ts(3,1): error TS2300: x",
      ),
    ).toBe("@types/node");
  });

  it("leaves keyguard's own declarations, README blocks and tsconfig errors to keyguard", () => {
    expect(
      thirdPartyPackage("node_modules/@keyguard/redis/dist/index.d.ts(4,2): error TS2304: x"),
    ).toBe(undefined);
    expect(thirdPartyPackage("examples/root-L12.ts(3,7): error TS2322: node_modules/x")).toBe(
      undefined,
    );
    expect(thirdPartyPackage("error TS5023: Unknown compiler option 'x'.")).toBe(undefined);
  });

  it("reads the innermost node_modules of a path", () => {
    expect(packageOfPath("node_modules/a/node_modules/@b/c/x.d.ts")).toBe("@b/c");
    expect(packageOfPath("src/index.ts")).toBe(undefined);
  });
});
