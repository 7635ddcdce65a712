import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../dist/index.cjs", import.meta.url));
const script = fileURLToPath(new URL("./cjs/app.cjs", import.meta.url));

describe("@keyguard/nestjs from CommonJS", () => {
  it("is required from a .cjs Nest app, decorates a controller and guards it", async () => {
    expect(existsSync(dist), "build first: pnpm --filter @keyguard/nestjs build").toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 20_000 });
    const result = JSON.parse(stdout);
    expect(result.resolved).toBe(dist);
    expect(result.allowed).toEqual({ status: 200, body: { keyId: "key_read" } });
    expect(result.denied.status).toBe(401);
    expect(result.denied.contentType).toMatch(/^application\/problem\+json/);
    expect(result.denied.body.code).toBe("MISSING_KEY");
  });
});
