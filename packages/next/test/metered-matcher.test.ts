import { readFileSync } from "node:fs";
import type { KeyContext } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
// ".js": Next has no exports map. Next's own matcher code: what decides whether middleware runs.
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unkeyMiddleware, withUnkey } from "../src/index";
import { forwarded } from "./forwarded";

// Unkey deducts its default cost of 1 from a key with credits on every verification
// (svc/api/routes/v2_keys_verify_key/handler.go:142-146), the middleware's included; the
// README's matcher leaves metered routes out so that they spend exactly their `cost`.
const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const DOCUMENTED_MATCHER = /matcher: "(\/api\/\(\(\?!.+?)"/.exec(README)?.[1];

let emulator: Emulator;
let apiId: string;
beforeAll(async () => {
  emulator = await startEmulator();
  ({ apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "metered" }));
});
afterAll(() => emulator?.stop());

const options = () => ({ rootKey: emulator.rootKey, baseUrl: emulator.url, cache: false as const });
const ctx = { params: Promise.resolve({}) };
const echo = async (_request: Request, context: { unkey: KeyContext }) =>
  Response.json({ credits: context.unkey.credits ?? null });
type Route = (request: Request, context: typeof ctx) => Promise<Response>;

async function keyWithCredits(remaining: number) {
  return emulator.call<{ key: string; keyId: string }>("keys.createKey", {
    apiId,
    credits: { remaining },
  });
}

async function creditsLeft(keyId: string): Promise<number | null> {
  const key = await emulator.call<{ credits?: { remaining: number | null } }>("keys.getKey", {
    keyId,
  });
  return key.credits?.remaining ?? null;
}

/** What Next does with a request: the middleware where `matcher` sends it, then the route. */
async function serve(matcher: string, path: string, key: string, route: Route) {
  const middleware = unkeyMiddleware(options());
  const request = new Request(`http://localhost${path}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (!unstable_doesMiddlewareMatch({ config: { matcher }, url: request.url }))
    return route(request, ctx);
  const response = await middleware(request);
  if (response.headers.get("x-middleware-next") !== "1") return response;
  return route(forwarded(response, request), ctx);
}

// app/api/search (metered) and app/api/docs, as route modules export them.
const search = () => withUnkey(echo, { ...options(), cost: 5 });
const docs = () => withUnkey(echo, options());

describe("metered routes and unkeyMiddleware() (the README's set-up)", () => {
  it("the README's matcher leaves the metered routes out and keeps the others in", () => {
    expect(DOCUMENTED_MATCHER).toBeDefined();
    const matches = (path: string) =>
      unstable_doesMiddlewareMatch({
        config: { matcher: DOCUMENTED_MATCHER as string },
        url: `http://localhost${path}`,
      });
    for (const path of ["/api/search", "/api/search/recent", "/api/export"])
      expect(matches(path), path).toBe(false);
    for (const path of ["/api/docs", "/api/searchable", "/api/docs/search"])
      expect(matches(path), path).toBe(true);
  });

  it("a metered route left out of the matcher spends exactly its cost: 100 → 95", async () => {
    const { key, keyId } = await keyWithCredits(100);
    const response = await serve(DOCUMENTED_MATCHER as string, "/api/search", key, search());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ credits: 95 });
    expect(await creditsLeft(keyId)).toBe(95);
  });

  it("an unmetered route behind the middleware spends the middleware's 1 credit, no more", async () => {
    const { key, keyId } = await keyWithCredits(100);
    const before = emulator.stats().calls["keys.verifyKey"] ?? 0;
    const response = await serve(DOCUMENTED_MATCHER as string, "/api/docs", key, docs());
    expect(response.status).toBe(200);
    expect(await creditsLeft(keyId)).toBe(99);
    expect((emulator.stats().calls["keys.verifyKey"] ?? 0) - before).toBe(1);
  });

  it("behind a matcher that covers it, a metered route spends its cost plus 1: 100 → 94", async () => {
    const { key, keyId } = await keyWithCredits(100);
    const response = await serve("/api/:path*", "/api/search", key, search());
    expect(response.status).toBe(200);
    expect(await creditsLeft(keyId)).toBe(94);
  });
});
