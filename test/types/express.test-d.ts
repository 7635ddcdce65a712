import {
  assertNoOpenRoutes,
  auditRoutes,
  type KeyContext,
  keyOf,
  type RouteAccess,
  requirePermissions,
  unkey,
} from "@keyguard/express";
import express from "express";
import { describe, expectTypeOf, it } from "vitest";

describe("@keyguard/express types", () => {
  it("req.unkey is KeyContext | undefined; keyOf(req) is KeyContext", () => {
    const app = express();
    app.use(unkey({ rootKey: process.env.UNKEY_ROOT_KEY }));
    app.get("/me", requirePermissions("docs.read"), (req, res) => {
      expectTypeOf(req.unkey).toEqualTypeOf<KeyContext | undefined>();
      expectTypeOf(keyOf(req)).toEqualTypeOf<KeyContext>();
      res.json({ keyId: keyOf(req).keyId });
    });
  });

  it("hooks are typed, may be async, and a typo does not compile", () => {
    unkey({
      rootKey: "unkey_root_x",
      skip: async (req) => req.path === "/health",
      getKey: async (req) => req.get("x-key"),
      onError: "next",
    });
    // @ts-expect-error `onDenid` is not an option.
    unkey({ rootKey: "unkey_root_x", onDenid: () => undefined });
    // @ts-expect-error `onError` takes "next" or a function.
    unkey({ rootKey: "unkey_root_x", onError: "throw" });
  });

  it("auditRoutes takes an app or a router; each row's access is one of three", () => {
    const rows = auditRoutes(express(), { public: ["GET /health"] });
    expectTypeOf(rows[0]?.access).toEqualTypeOf<RouteAccess | undefined>();
    assertNoOpenRoutes(express.Router());
    // @ts-expect-error `public` lists "METHOD /path" strings.
    auditRoutes(express(), { public: [{ method: "GET", path: "/health" }] });
  });
});
