import {
  assertNoOpenRoutes,
  auditRoutes,
  type FastifyRouteUnkeyOptions,
  type KeyContext,
  keyguard,
  keyOf,
  type RouteAuditRow,
} from "@keyguard/fastify";
import Fastify, { type FastifyTypeProvider } from "fastify";
import { describe, expectTypeOf, it } from "vitest";

describe("@keyguard/fastify types", () => {
  it("request.unkey is KeyContext | undefined, as elsewhere; keyOf(request) is KeyContext; config.unkey is typed", async () => {
    const app = Fastify();
    await app.register(keyguard, { rootKey: process.env.UNKEY_ROOT_KEY });
    app.get("/docs", { config: { unkey: { permissions: "docs.read", cost: 1 } } }, (request) => {
      expectTypeOf(request.unkey).toEqualTypeOf<KeyContext | undefined>();
      expectTypeOf(keyOf(request)).toEqualTypeOf<KeyContext>();
      return { keyId: keyOf(request).keyId };
    });
    app.get("/health", { config: { unkey: { public: true } } }, () => "ok");
    // Fastify's route-shorthand generics defeat excess-property checks, so a typo in
    // `config.unkey` compiles; the plugin refuses it at start-up (test/hooks.test.ts).
    const route: FastifyRouteUnkeyOptions = { permissions: "docs.read", public: false };
    // @ts-expect-error on a typed object, a typo does not compile.
    const typo: FastifyRouteUnkeyOptions = { permission: "docs.read" };
    expectTypeOf(route).toEqualTypeOf(typo);
  });

  it("auditRoutes takes the app, with a type provider too", async () => {
    interface Typed extends FastifyTypeProvider {
      readonly validator: string;
    }
    const app = Fastify().withTypeProvider<Typed>();
    await app.ready();
    expectTypeOf(auditRoutes(app)).toEqualTypeOf<RouteAuditRow[]>();
    expectTypeOf(assertNoOpenRoutes(app, { public: [] })).toEqualTypeOf<readonly RouteAuditRow[]>();
  });
});
