import { createRequire } from "node:module";
import { fakeUnkey } from "@keyguard/test-support";
import express5, { type NextFunction, type Request, type Response } from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { requirePermissions, unkey } from "../src/index";

// `req.unkey` is read through an accessor on Express's request prototype and kept in
// `res.locals`: adding a property to an Express request builds a hidden class per request.
const express4 = createRequire(import.meta.url)("express4") as typeof express5;

const KEYS = {
  sk_reader: { keyId: "key_reader", permissions: ["docs.read"] },
  sk_admin: { keyId: "key_admin", permissions: ["docs.read", "admin"] },
};

function guard() {
  const upstream = fakeUnkey(KEYS);
  return { upstream, auth: unkey({ rootKey: "unkey_root_test", fetch: upstream.fetch }) };
}

const describeReq = (req: Request) => ({
  keyId: req.unkey?.keyId ?? null,
  ownProperty: Object.hasOwn(req, "unkey"),
});

describe.each([
  ["express 5", express5],
  ["express 4", express4],
] as const)("req.unkey on %s", (_name, express) => {
  it("is the key's context in the handler, without a property added to the request", async () => {
    const { auth } = guard();
    const app = express();
    app.use(auth);
    app.get("/docs", (req: Request, res: Response) => res.json(describeReq(req)));
    for (const key of ["sk_reader", "sk_admin", "sk_reader"]) {
      const res = await request(app).get("/docs").set("Authorization", `Bearer ${key}`);
      expect(res.body).toEqual({
        keyId: key === "sk_admin" ? "key_admin" : "key_reader",
        ownProperty: false,
      });
    }
  });

  it("is undefined on a request that no guard let in, in another app of the same process", async () => {
    const { auth } = guard();
    const guarded = express();
    guarded.use(auth);
    guarded.get("/docs", (_req: Request, res: Response) => res.end());
    await request(guarded).get("/docs").set("Authorization", "Bearer sk_reader").expect(200);
    const open = express();
    open.get("/open", (req: Request, res: Response) => res.json(describeReq(req)));
    const res = await request(open).get("/open").set("Authorization", "Bearer sk_reader");
    expect(res.body).toEqual({ keyId: null, ownProperty: false });
  });

  it("outlives a sub-app: a parent route after the mounted guard still sees it", async () => {
    const { auth } = guard();
    const app = express();
    const sub = express();
    sub.use(auth);
    app.use("/api", sub);
    app.get("/api/docs", requirePermissions("docs.read"), (req: Request, res: Response) =>
      res.json(describeReq(req)),
    );
    const res = await request(app).get("/api/docs").set("Authorization", "Bearer sk_reader");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keyId: "key_reader", ownProperty: false });
  });

  it("takes the guard's value over one an earlier middleware assigned, and the app's after it", async () => {
    const { auth } = guard();
    const app = express();
    const forged = { keyId: "key_forged", permissions: ["admin"] };
    app.use((req: Request, _res: Response, next: NextFunction) => {
      (req as { unkey?: unknown }).unkey = forged;
      next();
    });
    app.use(auth);
    app.get("/docs", (req: Request, res: Response) => res.json(describeReq(req)));
    app.get("/admin", requirePermissions("admin"), (_req: Request, res: Response) => res.end());
    app.get("/rewritten", (req: Request, _res: Response, next: NextFunction) => {
      (req as { unkey?: unknown }).unkey = { keyId: "key_app" };
      next();
    });
    app.get("/rewritten", (req: Request, res: Response) => res.json(describeReq(req)));
    const docs = await request(app).get("/docs").set("Authorization", "Bearer sk_reader");
    expect(docs.body).toEqual({ keyId: "key_reader", ownProperty: false });
    // The forged context never reaches requirePermissions: the verified key has no `admin`.
    await request(app).get("/admin").set("Authorization", "Bearer sk_reader").expect(403);
    const rewritten = await request(app).get("/rewritten").set("Authorization", "Bearer sk_reader");
    expect(rewritten.body.keyId).toBe("key_app");
  });
});
