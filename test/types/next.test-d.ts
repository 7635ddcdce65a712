import {
  type KeyContext,
  type RouteHandler,
  type UnkeyProxy,
  unkeyMiddleware,
  unkeyProxy,
  type Verifier,
  withUnkey,
} from "@keyguard/next";
import type { NextMiddleware, NextRequest } from "next/server.js";
import { describe, expectTypeOf, it } from "vitest";

type Params = { params: Promise<{ id: string }> };

describe("@keyguard/next types", () => {
  it("the handler gets Next's context with unkey: KeyContext, and is a route handler again", () => {
    const GET = withUnkey<NextRequest, Params>(async (request, context) => {
      expectTypeOf(request).toEqualTypeOf<NextRequest>();
      expectTypeOf(context.unkey).toEqualTypeOf<KeyContext>();
      expectTypeOf(await context.params).toEqualTypeOf<{ id: string }>();
      return Response.json({ keyId: context.unkey.keyId });
    });
    expectTypeOf(GET).toEqualTypeOf<RouteHandler<NextRequest, Params>>();
    expectTypeOf(GET).parameters.toEqualTypeOf<[NextRequest, Params]>();
    expectTypeOf(GET).returns.toEqualTypeOf<Promise<Response>>();
  });

  it("with skip, unkey may be undefined", () => {
    withUnkey(
      (_request, context) => {
        expectTypeOf(context.unkey).toEqualTypeOf<KeyContext | undefined>();
        return new Response(null);
      },
      { skip: () => false },
    );
  });

  it("the middleware is a function of a Request to a Response", () => {
    const middleware = unkeyMiddleware({ permissions: "api.read" });
    expectTypeOf(middleware).parameters.toEqualTypeOf<[Request]>();
    expectTypeOf(middleware).returns.toEqualTypeOf<Promise<Response>>();
  });

  it("unkeyProxy() is what proxy.ts exports: a NextProxy, with its verifier", () => {
    // Next.js 16 declares `type NextProxy = NextMiddleware`, whose signature is the same in
    // Next.js 15 (the version this project type-checks against): (NextRequest, NextFetchEvent).
    const proxy = unkeyProxy({ permissions: "api.read" });
    expectTypeOf(proxy).toEqualTypeOf<UnkeyProxy>();
    expectTypeOf(proxy).toExtend<NextMiddleware>();
    expectTypeOf(unkeyMiddleware()).toExtend<NextMiddleware>();
    expectTypeOf(proxy.verifier).toEqualTypeOf<Verifier>();
    // @ts-expect-error `permission` is not an option.
    unkeyProxy({ permission: "api.read" });
  });

  it("a typo does not compile", () => {
    // @ts-expect-error `permission` is not an option.
    withUnkey(async () => new Response(null), { permission: "docs.read" });
  });
});
