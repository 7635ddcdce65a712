import "reflect-metadata";
import {
  type Deny,
  type KeyContext,
  KeyguardConfigError,
  KeyguardSetupError,
  type Verifier,
} from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import {
  Controller,
  type ExecutionContext,
  Get,
  ImATeapotException,
  Injectable,
} from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  ApiKey,
  RequirePermissions,
  UNKEY_VERIFIER,
  UnkeyGuard,
  type UnkeyHttpRequest,
  UnkeyModule,
  UnkeyRoute,
} from "../src/index";
import {
  ConfigModule,
  guardedApp,
  handled,
  KeyguardConfig,
  MiscController,
  OpenController,
  type Platform,
  ScopedController,
  startApp,
} from "./app";

const ROOT_KEY = "unkey_root_test";

function keys() {
  return fakeUnkey({
    sk_read: { keyId: "key_read", permissions: ["docs.read"], roles: ["reader"] },
    sk_rw: { keyId: "key_rw", permissions: ["docs.read", "docs.write"] },
    sk_credits: { keyId: "key_credits", credits: 2 },
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  handled.count = 0;
});

async function start(platform: Platform, upstream = keys(), extra = {}) {
  const running = await guardedApp(platform, {
    rootKey: ROOT_KEY,
    fetch: upstream.fetch,
    ...extra,
  });
  close = () => running.app.close();
  return { ...running, upstream };
}

describe.each<Platform>(["express", "fastify"])("@keyguard/nestjs on %s", (platform) => {
  it("refuses a request without a key: 401 problem+json with WWW-Authenticate, no handler, no Unkey", async () => {
    const { url, upstream } = await start(platform);
    const response = await fetch(`${url}/me`);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toMatchObject({ status: 401, code: "MISSING_KEY" });
    expect(handled.count).toBe(0);
    expect(upstream.calls).toBe(0);
  });

  it("lets a valid key in with @ApiKey() and @ApiKey(field), then serves it from the cache", async () => {
    const { url, upstream } = await start(platform);
    const first = await fetch(`${url}/me`, { headers: bearer("sk_read") });
    expect(first.status).toBe(200);
    const body = (await first.json()) as { unkey: KeyContext };
    expect(body.unkey).toMatchObject({
      keyId: "key_read",
      permissions: ["docs.read"],
      roles: ["reader"],
      source: "upstream",
    });
    const second = await fetch(`${url}/docs`, { headers: { "x-api-key": "sk_read" } });
    expect(await second.json()).toMatchObject({
      route: "list",
      keyId: "key_read",
      unkey: { source: "cache" },
    });
    expect(upstream.calls).toBe(1);
  });

  it("lets method @RequirePermissions override the controller's", async () => {
    const { url, upstream } = await start(platform);
    expect((await fetch(`${url}/docs`, { headers: bearer("sk_read") })).status).toBe(200);
    const denied = await fetch(`${url}/docs`, { method: "POST", headers: bearer("sk_read") });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    // The method's query, not the controller's: RFC 6750 §3.1 insufficient_scope names it.
    expect(denied.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="docs.write"',
    );
    expect(((await denied.json()) as Deny["body"]).code).toBe("INSUFFICIENT_PERMISSIONS");
    const allowed = await fetch(`${url}/docs`, { method: "POST", headers: bearer("sk_rw") });
    expect(allowed.status).toBe(201);
    expect(await allowed.json()).toEqual({ route: "create", keyId: "key_rw" });
    expect(handled.count).toBe(2);
    expect(upstream.calls).toBe(2);
  });

  it("never verifies a @Public() route; @ApiKey() is undefined there", async () => {
    const { url, upstream } = await start(platform);
    const response = await fetch(`${url}/docs/public`, { headers: bearer("sk_read") });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ route: "public", unkey: null });
    expect(upstream.calls).toBe(0);
  });

  it("lets a CORS preflight through unguarded", async () => {
    const { url, upstream } = await start(platform);
    const response = await fetch(`${url}/me`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(handled.count).toBe(1);
    expect(upstream.calls).toBe(0);
  });

  it("guards a preflight to a handler that requires permissions: 401, the handler never runs", async () => {
    const { url, upstream } = await start(platform);
    const response = await fetch(`${url}/admin`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "DELETE" },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Deny["body"]).code).toBe("MISSING_KEY");
    expect(handled.count).toBe(0);
    expect(upstream.calls).toBe(0);
  });

  it("sends every request of an @UnkeyRoute({ cost }) route to Unkey; 429 when credits run out", async () => {
    const { url, upstream } = await start(platform);
    const results: Array<[number, unknown]> = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${url}/metered`, { headers: bearer("sk_credits") });
      results.push([
        response.status,
        ((await response.json()) as { credits?: number; code?: string }).credits ?? "-",
      ]);
    }
    expect(results).toEqual([
      [200, 1],
      [200, 0],
      [429, "-"],
    ]);
    expect(upstream.calls).toBe(3);
  });

  it("answers 503 with Retry-After when Unkey is down", async () => {
    const upstream = keys();
    upstream.down = true;
    const { url } = await start(platform, upstream);
    const response = await fetch(`${url}/me`, { headers: bearer("sk_read") });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(((await response.json()) as Deny["body"]).code).toBe("VERIFIER_UNAVAILABLE");
  });

  it("adds the fail-open header and context under failureMode open", async () => {
    const upstream = keys();
    upstream.down = true;
    const { url } = await start(platform, upstream, { failureMode: "open" });
    const response = await fetch(`${url}/me`, { headers: bearer("sk_read") });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-keyguard-fail-open")).toBe("true");
    expect(((await response.json()) as { unkey: KeyContext }).unkey.source).toBe("fail-open");
    expect((await fetch(`${url}/docs`, { headers: bearer("sk_read") })).status).toBe(503);
  });

  it("guards only the controllers that @UseGuards(UnkeyGuard), with forRootAsync", async () => {
    const upstream = keys();
    const running = await startApp(platform, {
      imports: [
        UnkeyModule.forRootAsync({
          imports: [ConfigModule.with(upstream.fetch)],
          inject: [KeyguardConfig],
          useFactory: (config: KeyguardConfig) => ({ rootKey: ROOT_KEY, fetch: config.fetch }),
        }),
      ],
      controllers: [ScopedController, OpenController],
    });
    close = () => running.app.close();
    expect((await fetch(`${running.url}/scoped`)).status).toBe(401);
    const scoped = await fetch(`${running.url}/scoped`, { headers: bearer("sk_rw") });
    expect(await scoped.json()).toEqual({ keyId: "key_rw" });
    const open = await fetch(`${running.url}/open`);
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ unkey: null });
    expect(upstream.calls).toBe(1);
    // The one verifier the module built is injectable, e.g. to forget a revoked key.
    const verifier = running.moduleRef.get<Verifier>(UNKEY_VERIFIER);
    expect(verifier.stats()).toMatchObject({ upstreamCalls: 1, size: 1 });
  });

  it("lets a subclass change where the key comes from and how a denial is answered", async () => {
    @Injectable()
    class QueryKeyGuard extends UnkeyGuard {
      protected override getKey(request: UnkeyHttpRequest) {
        return new URL(request.url ?? "/", "http://x").searchParams.get("key");
      }
      protected override onDenied(decision: Deny, _context: ExecutionContext): boolean {
        throw new ImATeapotException(`denied: ${decision.code}`);
      }
    }
    const upstream = keys();
    const running = await startApp(platform, {
      imports: [UnkeyModule.forRoot({ rootKey: ROOT_KEY, fetch: upstream.fetch })],
      controllers: [MiscController],
      providers: [{ provide: APP_GUARD, useClass: QueryKeyGuard }],
    });
    close = () => running.app.close();
    const allowed = await fetch(`${running.url}/me?key=sk_read`);
    expect(((await allowed.json()) as { unkey: KeyContext }).unkey.keyId).toBe("key_read");
    const denied = await fetch(`${running.url}/me`, { headers: bearer("sk_read") });
    expect(denied.status).toBe(418);
    expect(((await denied.json()) as { message: string }).message).toBe("denied: MISSING_KEY");
  });

  it("fails at start-up on bad module options, naming the option", async () => {
    await expect(
      startApp(platform, {
        imports: [UnkeyModule.forRoot({ rootKey: ROOT_KEY, cache: { ttlMs: -1 } })],
        controllers: [MiscController],
      }),
    ).rejects.toMatchObject({ name: "KeyguardConfigError", option: "cache.ttlMs" });
  });
});

describe("@keyguard/nestjs decorators", () => {
  it("rejects a permission query syntax error when the decorator is applied, naming the method", () => {
    let thrown: unknown;
    try {
      @Controller()
      class BrokenController {
        @Get()
        @RequirePermissions("docs.read AND")
        read() {}
      }
      void BrokenController;
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeyguardConfigError);
    expect(thrown).toMatchObject({
      option: "permissions",
      at: "@RequirePermissions() on BrokenController.read",
    });
    expect((thrown as Error).message).toMatch(/Syntax error in permission query/);
  });

  it("rejects a bad @UnkeyRoute() cost and an unknown @ApiKey() field", () => {
    expect(() => {
      @UnkeyRoute({ cost: -1 })
      class Priced {}
      void Priced;
    }).toThrow(/@UnkeyRoute\(\) on Priced/);
    expect(() => ApiKey("secret" as never)).toThrow(KeyguardSetupError);
  });

  it("rejects forRootAsync without a factory and a non-boolean exceptionFilter", () => {
    expect(() => UnkeyModule.forRootAsync({} as never)).toThrow(/useFactory/);
    expect(() => UnkeyModule.forRoot({ exceptionFilter: "yes" as never })).toThrow(
      /exceptionFilter/,
    );
  });
});
