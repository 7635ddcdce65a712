import {
  assertNoOpenRoutes,
  auditRoutes,
  formatRouteAudit,
  type KeyContext,
  keyOf,
  type RouteAuditRow,
  unkey,
} from "@keyguard/hono";
import { Hono } from "hono";
import { describe, expectTypeOf, it } from "vitest";

describe("@keyguard/hono types", () => {
  it("c.get('unkey') is KeyContext | undefined; keyOf(c) is KeyContext; any app env", () => {
    const app = new Hono();
    const auth = unkey({ rootKey: process.env.UNKEY_ROOT_KEY });
    app.use("/api/*", auth);
    app.get("/api/me", (c) => {
      expectTypeOf(c.get("unkey")).toEqualTypeOf<KeyContext | undefined>();
      expectTypeOf(keyOf(c)).toEqualTypeOf<KeyContext>();
      return c.json({ keyId: keyOf(c).keyId });
    });
    // An app with Bindings (Workers) can call the middleware itself.
    const worker = new Hono<{ Bindings: { UNKEY_ROOT_KEY: string } }>();
    worker.use("*", (c, next) => unkey({ rootKey: c.env.UNKEY_ROOT_KEY })(c, next));
  });

  it("a typo does not compile", () => {
    // @ts-expect-error `permission` is not an option.
    unkey({ rootKey: "unkey_root_x", permission: "docs.read" });
  });

  it("auditRoutes takes any Hono app and returns rows; the options are checked", () => {
    const worker = new Hono<{ Bindings: { UNKEY_ROOT_KEY: string } }>();
    expectTypeOf(auditRoutes(worker)).toEqualTypeOf<RouteAuditRow[]>();
    expectTypeOf(
      formatRouteAudit(assertNoOpenRoutes(worker, { public: ["GET /health"] })),
    ).toBeString();
    // @ts-expect-error `publik` is not an option.
    auditRoutes(worker, { publik: ["GET /health"] });
  });
});
