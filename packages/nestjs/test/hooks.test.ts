import "reflect-metadata";
import type { Deny, KeyContext } from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import {
  All,
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
  HttpException,
  Injectable,
} from "@nestjs/common";
import { APP_FILTER, APP_GUARD } from "@nestjs/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  ApiKey,
  Public,
  RequirePermissions,
  UnkeyDeniedException,
  UnkeyExceptionFilter,
  UnkeyGuard,
  type UnkeyHttpRequest,
  UnkeyModule,
  UnkeyRoute,
} from "../src/index";
import { type Platform, startApp } from "./app";

// The one hook contract on the guard's protected hooks: sync or async, and a throw or
// rejection reaches Nest's exception filters on the cache-hit and cache-miss path: never a pass.

const errors: Error[] = [];
const handled = { count: 0 };

/** Answers any error that is not the guard's own denial with 500 and records it. */
@Catch()
class RecordingFilter implements ExceptionFilter {
  private readonly denials = new UnkeyExceptionFilter();
  catch(exception: Error, host: ArgumentsHost): void {
    if (exception instanceof UnkeyDeniedException) {
      this.denials.catch(exception, host);
      return;
    }
    const response = host.switchToHttp().getResponse();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    if (status === 500) errors.push(exception);
    response.status(status);
    response.send(JSON.stringify({ code: status === 500 ? "HOOK_FAILED" : exception.message }));
  }
}

@Controller()
class HooksController {
  @All("docs")
  docs(@ApiKey() key: KeyContext | undefined) {
    handled.count++;
    return { unkey: key ?? null };
  }
}

@Controller("public-class")
@Public()
class PublicClassController {
  @Get("open")
  open() {
    handled.count++;
    return { route: "open" };
  }
  @Get("guarded")
  @RequirePermissions("docs.read")
  guarded(@ApiKey("keyId") keyId: string) {
    handled.count++;
    return { keyId };
  }
  @Get("metered")
  @UnkeyRoute({ cost: 1 })
  metered(@ApiKey("keyId") keyId: string) {
    handled.count++;
    return { keyId };
  }
}

@Controller("guarded-class")
@RequirePermissions("docs.write")
class GuardedClassController {
  @Get("health")
  @Public()
  health() {
    handled.count++;
    return { route: "health" };
  }
}

@Public()
class OpenBase {
  @Get("inherited")
  inherited() {
    handled.count++;
    return { route: "inherited" };
  }
}

/** A controller with its own requirement, extending a public base (attacker review). */
@Controller("extends-public")
@RequirePermissions("docs.read")
class ExtendsPublicController extends OpenBase {
  @Get("wipe")
  wipe(@ApiKey("keyId") keyId: string) {
    handled.count++;
    return { keyId };
  }
}

const fail = (): never => {
  throw new Error("hook failed");
};

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  errors.length = 0;
  handled.count = 0;
});

async function start(platform: Platform, guard: typeof UnkeyGuard = UnkeyGuard) {
  const upstream = fakeUnkey({ sk_read: { keyId: "key_read", permissions: ["docs.read"] } });
  const running = await startApp(platform, {
    imports: [UnkeyModule.forRoot({ rootKey: "unkey_root_test", fetch: upstream.fetch })],
    controllers: [
      HooksController,
      PublicClassController,
      GuardedClassController,
      ExtendsPublicController,
    ],
    providers: [
      { provide: APP_GUARD, useClass: guard },
      { provide: APP_FILTER, useClass: RecordingFilter },
    ],
  });
  close = () => running.app.close();
  return { url: running.url, upstream };
}

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

describe.each<Platform>(["express", "fastify"])("UnkeyGuard hooks on %s", (platform) => {
  it("an async shouldSkip that resolves false still guards the route", async () => {
    @Injectable()
    class AsyncSkipGuard extends UnkeyGuard {
      protected override async shouldSkip(): Promise<boolean> {
        return false;
      }
    }
    const { url } = await start(platform, AsyncSkipGuard);
    const response = await fetch(`${url}/docs`);
    expect(response.status).toBe(401);
    expect(handled.count).toBe(0);
  });

  // The default shouldSkip is read from the route compiled for the request (no hook call): a
  // subclass's own must still decide, both ways, over what @Public() says.
  it("a synchronous shouldSkip of a subclass decides instead of @Public(), both ways", async () => {
    @Injectable()
    class HeaderSkipGuard extends UnkeyGuard {
      protected override shouldSkip(context: ExecutionContext): boolean {
        return context.switchToHttp().getRequest<UnkeyHttpRequest>().headers["x-skip"] === "1";
      }
    }
    const { url, upstream } = await start(platform, HeaderSkipGuard);
    const skipped = await fetch(`${url}/docs`, { headers: { "x-skip": "1" } });
    expect(skipped.status).toBe(200);
    expect(await skipped.json()).toEqual({ unkey: null });
    expect((await fetch(`${url}/public-class/open`)).status).toBe(401);
    expect((await fetch(`${url}/public-class/open`, bearer("sk_read"))).status).toBe(200);
    expect(upstream.calls).toBe(1);
    expect(handled.count).toBe(2);
  });

  it("a shouldSkip that returns a non-boolean answers 500 naming the hook, never a pass", async () => {
    @Injectable()
    class StringSkipGuard extends UnkeyGuard {
      protected override shouldSkip(): boolean {
        return "yes" as never;
      }
    }
    const { url } = await start(platform, StringSkipGuard);
    expect((await fetch(`${url}/docs`)).status).toBe(500);
    expect(handled.count).toBe(0);
    expect(errors[0]?.message).toBe(
      "`shouldSkip` must return a boolean (or a promise of one), got string.",
    );
  });

  it("an async getKey is awaited and a rejecting one answers 500, never a pass", async () => {
    @Injectable()
    class AsyncKeyGuard extends UnkeyGuard {
      protected override async getKey(request: UnkeyHttpRequest): Promise<string | null> {
        if (request.headers["x-fail"] !== undefined) fail();
        return (request.headers["x-token"] as string | undefined) ?? null;
      }
    }
    const { url } = await start(platform, AsyncKeyGuard);
    const allowed = await fetch(`${url}/docs`, { headers: { "x-token": "sk_read" } });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { unkey: KeyContext }).unkey.keyId).toBe("key_read");
    expect((await fetch(`${url}/docs`, { headers: { "x-fail": "1" } })).status).toBe(500);
    expect(errors[0]?.message).toBe("hook failed");
    expect(handled.count).toBe(1);
  });

  it("a throwing or rejecting onDenied on a cache hit and a miss answers 500, never a pass", async () => {
    @Injectable()
    class FailingDeniedGuard extends UnkeyGuard {
      protected override onDenied(_decision: Deny, context: ExecutionContext): boolean {
        const request = context.switchToHttp().getRequest<UnkeyHttpRequest>();
        if (request.headers["x-async"] !== undefined)
          return Promise.reject(new Error("x")) as never;
        return fail();
      }
    }
    const { url, upstream } = await start(platform, FailingDeniedGuard);
    expect((await fetch(`${url}/docs`)).status).toBe(500);
    expect((await fetch(`${url}/docs`, bearer("sk_unknown"))).status).toBe(500);
    expect((await fetch(`${url}/docs`, { headers: { "x-async": "1" } })).status).toBe(500);
    expect(upstream.calls).toBe(1);
    expect(handled.count).toBe(0);
  });

  it("an onDenied that resolves a non-boolean answers 500, never a pass", async () => {
    @Injectable()
    class TruthyDeniedGuard extends UnkeyGuard {
      protected override onDenied(): boolean {
        return Promise.resolve("yes") as never;
      }
    }
    const { url } = await start(platform, TruthyDeniedGuard);
    expect((await fetch(`${url}/docs`)).status).toBe(500);
    expect(errors[0]?.message).toMatch(/`onDenied` must return a boolean.*got string/);
    expect(handled.count).toBe(0);
  });

  it("a class-level @Public() does not cancel a method @RequirePermissions() or @UnkeyRoute()", async () => {
    const { url } = await start(platform);
    expect((await fetch(`${url}/public-class/open`)).status).toBe(200);
    expect((await fetch(`${url}/public-class/guarded`)).status).toBe(401);
    expect((await fetch(`${url}/public-class/metered`)).status).toBe(401);
    const allowed = await fetch(`${url}/public-class/guarded`, bearer("sk_read"));
    expect(await allowed.json()).toEqual({ keyId: "key_read" });
  });

  it("a @Public() on a base class does not cancel a subclass's own @RequirePermissions()", async () => {
    const { url } = await start(platform);
    expect((await fetch(`${url}/extends-public/wipe`)).status).toBe(401);
    expect((await fetch(`${url}/extends-public/inherited`)).status).toBe(401);
    expect(handled.count).toBe(0);
    const allowed = await fetch(`${url}/extends-public/wipe`, bearer("sk_read"));
    expect(await allowed.json()).toEqual({ keyId: "key_read" });
  });

  it("a method @Public() on a class with @RequirePermissions() stays public", async () => {
    const { url, upstream } = await start(platform);
    const response = await fetch(`${url}/guarded-class/health`);
    expect(response.status).toBe(200);
    expect(upstream.calls).toBe(0);
  });

  it("a CORS preflight reaches an @All() handler unguarded, with @ApiKey() undefined", async () => {
    const { url, upstream } = await start(platform);
    const response = await fetch(`${url}/docs`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "DELETE" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ unkey: null });
    expect(upstream.calls).toBe(0);
  });
});
