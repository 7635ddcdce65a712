import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { fakeUnkey } from "@keyguard/test-support";
import express5, { type NextFunction, type Request, type Response } from "express";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { keyOf, requirePermissions, unkey } from "../src/index";

// `req.unkey` is an ordinary property that the guard sets: what the app writes before the
// guard never survives it, and what it writes or deletes after is what handlers see. (An
// accessor that kept the context elsewhere was tried for speed; these are what it broke.)
const express4 = createRequire(import.meta.url)("express4") as typeof express5;

const KEYS = {
  sk_reader: { keyId: "key_reader", permissions: ["docs.read"] },
  sk_admin: { keyId: "key_admin", permissions: ["docs.read", "admin"] },
};
const FORGED = { keyId: "key_forged", permissions: ["admin"], roles: [], source: "upstream" };

/**
 * The guard, behind a middleware that counts the requests reaching it. Its Unkey answers only
 * once `overlapping` requests have arrived, so that those first requests overlap for certain
 * (a head start in ms would not, on a busy machine); 0 answers at once.
 */
function guard(overlapping = 0) {
  const upstream = fakeUnkey(KEYS);
  let arrived = 0;
  let allArrived!: () => void;
  const gate = new Promise<void>((resolve) => {
    allArrived = resolve;
  });
  if (overlapping === 0) allArrived();
  const count = (_req: Request, _res: Response, next: NextFunction) => {
    if (++arrived === overlapping) allArrived();
    next();
  };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    await gate;
    return upstream.fetch(input, init);
  };
  return [count, unkey({ rootKey: "unkey_root_test", fetch })];
}

const forge = (req: Request, _res: Response, next: NextFunction) => {
  (req as { unkey?: unknown }).unkey = FORGED;
  next();
};
const keyIdOf = (req: Request, res: Response) => res.json({ keyId: req.unkey?.keyId ?? null });

describe.each([
  ["express 5", express5],
  ["express 4", express4],
] as const)("req.unkey on %s", (_name, express) => {
  it("is the verified key's, never a value written before the guard, even for overlapping first requests", async () => {
    const app = express();
    app.use(forge);
    app.use(guard(3));
    app.get("/admin", requirePermissions("admin"), keyIdOf);
    app.get("/docs", keyIdOf);
    const admin = await Promise.all(
      [1, 2, 3].map(() => request(app).get("/admin").set("Authorization", "Bearer sk_reader")),
    );
    expect(admin.map((res) => res.status)).toEqual([403, 403, 403]);
    const docs = await Promise.all(
      [1, 2, 3].map(() => request(app).get("/docs").set("Authorization", "Bearer sk_reader")),
    );
    expect(docs.map((res) => res.body.keyId)).toEqual(["key_reader", "key_reader", "key_reader"]);
  });

  it("is the verified key's when a Node handler wrote it before Express saw the request", async () => {
    const app = express();
    app.use(guard());
    app.get("/admin", requirePermissions("admin"), keyIdOf);
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      (req as { unkey?: unknown }).unkey = FORGED;
      app(req, res);
    });
    for (let i = 0; i < 3; i++) {
      const res = await request(server).get("/admin").set("Authorization", "Bearer sk_reader");
      expect(res.status).toBe(403);
    }
  });

  it("is gone after `delete req.unkey`, and survives a replaced res.locals", async () => {
    const app = express();
    app.use(guard());
    app.use("/anon", (req: Request, _res: Response, next: NextFunction) => {
      delete (req as { unkey?: unknown }).unkey;
      next();
    });
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.locals = { title: "docs" };
      next();
    });
    app.get("/anon/admin", requirePermissions("admin"), keyIdOf);
    app.get("/who", (req: Request, res: Response) => res.json({ keyId: keyOf(req).keyId }));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const anon = await request(app).get("/anon/admin").set("Authorization", "Bearer sk_admin");
    error.mockRestore();
    // No context left: requirePermissions answers the server's mistake, never the admin key's.
    expect(anon.status).toBe(500);
    expect(anon.body.code).toBe("GUARD_MISSING");
    const who = await request(app).get("/who").set("Authorization", "Bearer sk_admin");
    expect(who.body).toEqual({ keyId: "key_admin" });
  });

  it("outlives a sub-app: a parent route after the mounted guard still sees it", async () => {
    const app = express();
    const sub = express();
    sub.use(guard());
    app.use("/api", sub);
    app.get("/api/docs", requirePermissions("docs.read"), keyIdOf);
    const res = await request(app).get("/api/docs").set("Authorization", "Bearer sk_reader");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keyId: "key_reader" });
  });
});
