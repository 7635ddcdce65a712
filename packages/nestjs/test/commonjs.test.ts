import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../dist/index.cjs", import.meta.url));
const script = fileURLToPath(new URL("./cjs/app.cjs", import.meta.url));

describe("@keyguard/nestjs from CommonJS", () => {
  // A Node process that loads Nest: a second or two alone, several beside other work, and the
  // project's default test timeout is 5 s.
  it("is required from a .cjs Nest app, decorates a controller and guards it", {
    timeout: 60_000,
  }, async () => {
    expect(existsSync(dist), "build first: pnpm --filter @keyguard/nestjs build").toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 50_000 });
    const result = JSON.parse(stdout);
    expect(result.resolved).toBe(dist);
    expect(result.allowed).toEqual({ status: 200, body: { keyId: "key_read" } });
    expect(result.denied.status).toBe(401);
    expect(result.denied.contentType).toMatch(/^application\/problem\+json/);
    expect(result.denied.body.code).toBe("MISSING_KEY");
  });
});
