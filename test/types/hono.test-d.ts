import { type KeyContext, keyOf, unkey } from "@keyguard/hono";
import { Hono } from "hono";
import { describe, expectTypeOf, it } from "vitest";

describe("@keyguard/hono types", () => {
  it("c.get('unkey') is optional app-wide, non-optional after unkey() on the route", () => {
    const app = new Hono();
    const auth = unkey({ rootKey: process.env.UNKEY_ROOT_KEY });
    app.use("/api/*", auth);
    app.get("/api/me", (c) => {
      expectTypeOf(c.get("unkey")).toEqualTypeOf<KeyContext | undefined>();
      expectTypeOf(keyOf(c)).toEqualTypeOf<KeyContext>();
      return c.json({ keyId: keyOf(c).keyId });
    });
    app.get("/me", auth, (c) => {
      expectTypeOf(c.var.unkey).toEqualTypeOf<KeyContext>();
      return c.json({ keyId: c.var.unkey.keyId });
    });
  });

  it("a typo does not compile", () => {
    // @ts-expect-error `permission` is not an option.
    unkey({ rootKey: "unkey_root_x", permission: "docs.read" });
  });
});
