import { createRequire } from "node:module";
import {
  createVerifier,
  type KeyContext,
  KeyguardConfigError,
  VerifierError,
} from "@keyguard/core";
import { fakeUnkey } from "@keyguard/test-support";
import express5, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type Response,
} from "express";
import request from "supertest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keyOf, requirePermissions, type UnkeyExpressOptions, unkey } from "../src/index";

// Express 4 is installed under the `express4` alias (same peer range, same tests).
const express4 = createRequire(import.meta.url)("express4") as typeof express5;

const KEYS = {
  sk_reader: { keyId: "key_reader", permissions: ["docs.read"], name: "Reader" },
  sk_admin: { keyId: "key_admin", permissions: ["docs.read", "docs.write", "admin"] },
  sk_disabled: { keyId: "key_disabled", enabled: false },
};

type Base = Pick<UnkeyExpressOptions, "rootKey" | "fetch">;

function setup() {
  const unkeyFake = fakeUnkey(KEYS);
  const base: Base = { rootKey: "unkey_root_test", fetch: unkeyFake.fetch };
  const seen: (KeyContext | undefined)[] = [];
  const handler = (req: Request, res: Response) => {
    seen.push(req.unkey);
    res.json({ keyId: req.unkey?.keyId ?? null, source: req.unkey?.source ?? null });
  };
  const errors: unknown[] = [];
  const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error);
    res.status(599).json({ error: (error as Error).name, code: (error as VerifierError).code });
  };
  return { unkeyFake, base, seen, handler, errors, errorHandler };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.each([
  ["express 5", express5],
  ["express 4", express4],
] as const)("%s", (_name, express) => {
  function appWith(build: (app: Express) => void): Express {
    const app = express();
    build(app);
    return app;
  }

  it("app-wide unkey(): lets a valid key in with req.unkey, then answers from the cache", async () => {
    const { unkeyFake, base, seen, handler } = setup();
    const app = appWith((app) => {
      app.use(unkey(base));
      app.get("/docs", handler);
    });
    const first = await request(app).get("/docs").set("Authorization", "Bearer sk_reader");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ keyId: "key_reader", source: "upstream" });
    expect(seen[0]).toMatchObject({
      keyId: "key_reader",
      name: "Reader",
      permissions: ["docs.read"],
    });
    const second = await request(app).get("/docs").set("x-api-key", "sk_reader");
    expect(second.body).toEqual({ keyId: "key_reader", source: "cache" });
    expect(unkeyFake.calls).toBe(1);
  });

  it("refuses without a key (401 MISSING_KEY, problem+json) and never runs the handler", async () => {
    const { unkeyFake, base, seen, handler } = setup();
    const app = appWith((app) => {
      app.use(unkey(base));
      app.get("/docs", handler);
    });
    const res = await request(app).get("/docs");
    expect(res.status).toBe(401);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="api"');
    expect(JSON.parse(res.text)).toMatchObject({ status: 401, code: "MISSING_KEY" });
    expect(seen).toHaveLength(0);
    expect(unkeyFake.calls).toBe(0);
  });

  it("refuses a disabled key (401 DISABLED) and an unknown one (401 NOT_FOUND) without echoing it", async () => {
    const { base, seen, handler } = setup();
    const app = appWith((app) => {
      app.use(unkey(base));
      app.get("/docs", handler);
    });
    const disabled = await request(app).get("/docs").set("Authorization", "bearer sk_disabled");
    expect(disabled.status).toBe(401);
    expect(JSON.parse(disabled.text).code).toBe("DISABLED");
    const unknown = await request(app).get("/docs").set("Authorization", "Bearer sk_who");
    expect(JSON.parse(unknown.text).code).toBe("NOT_FOUND");
    expect(unknown.headers["www-authenticate"]).toBe('Bearer realm="api", error="invalid_token"');
    expect(unknown.text).not.toContain("sk_who");
    expect(seen).toHaveLength(0);
  });

  it("per-route unkey({ verifier, permissions }) shares one cache with the app-wide one", async () => {
    const { unkeyFake, base, handler } = setup();
    const verifier = createVerifier(base);
    const app = appWith((app) => {
      app.get("/read", unkey({ verifier, permissions: "docs.read" }), handler);
      app.get("/write", unkey({ verifier, permissions: "docs.write OR admin" }), handler);
    });
    const read = await request(app).get("/read").set("Authorization", "Bearer sk_reader");
    expect(read.status).toBe(200);
    const write = await request(app).get("/write").set("Authorization", "Bearer sk_reader");
    expect(write.status).toBe(403);
    expect(JSON.parse(write.text).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect(unkeyFake.calls).toBe(1);
    expect(unkey({ verifier }).verifier).toBe(verifier);
  });

  it("requirePermissions checks the already verified key locally: no second upstream call", async () => {
    const { unkeyFake, base, handler, seen } = setup();
    const app = appWith((app) => {
      app.use(unkey(base));
      app.get("/read", requirePermissions("docs.read"), handler);
      app.get("/grouped", requirePermissions("(docs.read AND docs.write) OR admin"), handler);
    });
    expect((await request(app).get("/read").set("x-api-key", "sk_reader")).status).toBe(200);
    const refused = await request(app).get("/grouped").set("x-api-key", "sk_reader");
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).code).toBe("INSUFFICIENT_PERMISSIONS");
    expect((await request(app).get("/grouped").set("x-api-key", "sk_admin")).status).toBe(200);
    expect(unkeyFake.calls).toBe(2);
    expect(unkeyFake.bodies.every((body) => body.permissions === undefined)).toBe(true);
    expect(seen.map((context) => context?.keyId)).toEqual(["key_reader", "key_admin"]);
  });

  it("requirePermissions without an earlier unkey() is the server's mistake: 500 GUARD_MISSING, never 401", async () => {
    const { handler, seen } = setup();
    const app = appWith((app) => app.get("/read", requirePermissions("docs.read"), handler));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await request(app).get("/read").set("Authorization", "Bearer sk_reader");
    await request(app).get("/read").set("Authorization", "Bearer sk_reader");
    // The client sent its key: a 401 "no API key was presented" would send it looking for a fault in it.
    expect(res.status).toBe(500);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ status: 500, code: "GUARD_MISSING" });
    expect(JSON.parse(res.text).detail).toContain("Put unkey() before requirePermissions()");
    expect(res.headers["www-authenticate"]).toBeUndefined();
    expect(seen).toHaveLength(0);
    // Said once, server-side, naming the route and the fix, never the key (new-user review).
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).toMatch(
      /GET \/read: requirePermissions\("docs.read"\).*no unkey\(\) verified.*before it/,
    );
    expect(String(error.mock.calls[0]?.[0])).not.toContain("sk_reader");
    error.mockRestore();
  });

  it("requirePermissions' log line names the path without its query string, where a key may be", async () => {
    const { handler } = setup();
    const app = appWith((app) => app.get("/read", requirePermissions("docs.read"), handler));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await request(app).get("/read?api_key=sk_in_query&x=1");
    expect(res.status).toBe(500);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).toContain("GET /read: requirePermissions(");
    expect(String(error.mock.calls[0]?.[0])).not.toContain("sk_in_query");
    error.mockRestore();
  });

  it("a CORS preflight unkey() let through keyless is still the client's 401 at requirePermissions, unlogged", async () => {
    const { base, handler } = setup();
    const app = appWith((app) => {
      app.use(unkey(base));
      app.options("/read", requirePermissions("docs.read"), handler);
    });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await request(app)
      .options("/read")
      .set("Origin", "https://app.example")
      .set("Access-Control-Request-Method", "DELETE");
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text).code).toBe("MISSING_KEY");
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });

  it("keyOf(req) on an unguarded route throws naming the path, never the query's key", async () => {
    const { errors, errorHandler } = setup();
    const app = appWith((app) => {
      app.get("/who", (req, res) => void res.json({ keyId: keyOf(req).keyId }));
      app.use(errorHandler);
    });
    const res = await request(app).get("/who?api_key=sk_in_query");
    expect(res.status).toBe(599);
    expect(String(errors[0])).toContain("no key was verified for GET /who;");
    expect(String(errors[0])).not.toContain("sk_in_query");
  });

  it("getKey replaces keySources; a throwing getKey goes to next(err), never to the handler", async () => {
    const { unkeyFake, base, handler, seen, errors, errorHandler } = setup();
    const app = appWith((app) => {
      app.get(
        "/query",
        unkey({ ...base, getKey: (req) => (req.query.token as string | undefined) ?? null }),
        handler,
      );
      app.get("/async", unkey({ ...base, getKey: async (req) => req.get("x-token") }), handler);
      app.get(
        "/throws",
        unkey({
          ...base,
          getKey: () => {
            throw new Error("boom");
          },
        }),
        handler,
      );
      app.use(errorHandler);
    });
    expect((await request(app).get("/query?token=sk_reader")).status).toBe(200);
    const ignored = await request(app).get("/query").set("Authorization", "Bearer sk_reader");
    expect(JSON.parse(ignored.text).code).toBe("MISSING_KEY");
    expect((await request(app).get("/async").set("x-token", "sk_admin")).body.keyId).toBe(
      "key_admin",
    );
    const thrown = await request(app).get("/throws").set("Authorization", "Bearer sk_reader");
    expect(thrown.status).toBe(599);
    expect((errors[0] as Error).message).toBe("boom");
    expect(seen).toHaveLength(2);
    expect(unkeyFake.calls).toBe(2);
  });

  it("skip lets matching requests through unverified; a throwing skip goes to next(err)", async () => {
    const { unkeyFake, base, handler, errors, errorHandler } = setup();
    const app = appWith((app) => {
      app.use(
        unkey({
          ...base,
          skip: (req) => {
            if (req.path === "/explode") throw new Error("skip failed");
            return req.path === "/health";
          },
        }),
      );
      app.get("/health", handler);
      app.get("/explode", handler);
      app.use(errorHandler);
    });
    const health = await request(app).get("/health");
    expect(health.body).toEqual({ keyId: null, source: null });
    expect((await request(app).get("/explode")).status).toBe(599);
    expect(errors).toHaveLength(1);
    expect(unkeyFake.calls).toBe(0);
  });

  it("onDenied writes its own answer with the decision", async () => {
    const { base, handler } = setup();
    const app = appWith((app) => {
      app.use(
        unkey({
          ...base,
          onDenied: (decision, { res }) => {
            res.status(decision.status).json({ message: `denied: ${decision.code}` });
          },
        }),
      );
      app.get("/docs", handler);
    });
    const res = await request(app).get("/docs");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "denied: MISSING_KEY" });
  });

  it("an outage is 503 VERIFIER_UNAVAILABLE with Retry-After by default (fail-closed)", async () => {
    const { unkeyFake, base, handler, seen } = setup();
    unkeyFake.down = true;
    const app = appWith((app) => {
      app.use(unkey(base));
      app.get("/docs", handler);
    });
    const res = await request(app).get("/docs").set("Authorization", "Bearer sk_reader");
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(JSON.parse(res.text).code).toBe("VERIFIER_UNAVAILABLE");
    expect(seen).toHaveLength(0);
  });

  it('onError: "next" hands the VerifierError to the app\'s error handler', async () => {
    const { unkeyFake, base, handler, errors, errorHandler } = setup();
    unkeyFake.down = true;
    const app = appWith((app) => {
      app.use(unkey({ ...base, onError: "next" }));
      app.get("/docs", handler);
      app.use(errorHandler);
    });
    const res = await request(app).get("/docs").set("Authorization", "Bearer sk_reader");
    expect(res.status).toBe(599);
    expect(res.body).toEqual({ error: "VerifierError", code: "VERIFIER_UNAVAILABLE" });
    expect(errors[0]).toBeInstanceOf(VerifierError);
    // Denials that are not verifier failures are still answered directly.
    const missing = await request(app).get("/docs");
    expect(missing.status).toBe(401);
  });

  it("onError as a function answers verifier failures itself", async () => {
    const { unkeyFake, base, handler } = setup();
    unkeyFake.down = true;
    const app = appWith((app) => {
      app.use(
        unkey({
          ...base,
          onError: (error, _req, res) => res.status(502).json({ code: error.code }),
        }),
      );
      app.get("/docs", handler);
    });
    const res = await request(app).get("/docs").set("Authorization", "Bearer sk_reader");
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ code: "VERIFIER_UNAVAILABLE" });
  });

  it("fail-open lets the request in, flagged; requirePermissions still refuses without the flag", async () => {
    const { unkeyFake, base, handler, seen } = setup();
    unkeyFake.down = true;
    const app = appWith((app) => {
      app.use(unkey({ ...base, failureMode: "open" }));
      app.get("/docs", handler);
      app.get("/admin", requirePermissions("admin"), handler);
    });
    const open = await request(app).get("/docs").set("Authorization", "Bearer sk_reader");
    expect(open.status).toBe(200);
    expect(open.headers["x-keyguard-fail-open"]).toBe("true");
    expect(seen[0]?.source).toBe("fail-open");
    const admin = await request(app).get("/admin").set("Authorization", "Bearer sk_reader");
    expect(admin.status).toBe(503);
    expect(admin.headers["x-keyguard-fail-open"]).toBeUndefined();
    expect(seen).toHaveLength(1);
  });

  it("CORS preflights pass unguarded by default; other OPTIONS requests are guarded", async () => {
    const { unkeyFake, base } = setup();
    const app = appWith((app) => {
      app.use(unkey(base));
      app.options("/docs", (_req, res) => {
        res.status(204).end();
      });
    });
    const preflight = await request(app)
      .options("/docs")
      .set("Origin", "https://app.example")
      .set("Access-Control-Request-Method", "GET");
    expect(preflight.status).toBe(204);
    expect((await request(app).options("/docs")).status).toBe(401);
    expect(unkeyFake.calls).toBe(0);
  });
});

describe("start-up", () => {
  it("unkey() without a root key fails at creation, naming rootKey", () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "");
    expect(() => unkey()).toThrow(KeyguardConfigError);
    expect(() => unkey()).toThrow(/rootKey/);
  });

  it("unkey() reads UNKEY_ROOT_KEY and UNKEY_BASE_URL", () => {
    vi.stubEnv("UNKEY_ROOT_KEY", "unkey_root_env");
    vi.stubEnv("UNKEY_BASE_URL", "http://127.0.0.1:9");
    expect(typeof unkey()).toBe("function");
  });

  it.each([
    [{ getKey: "authorization" }, "getKey"],
    [{ skip: true }, "skip"],
    [{ onDenied: 1 }, "onDenied"],
    [{ onError: "throw" }, "onError"],
    [{ permissions: "a AND" }, "permissions"],
    [{ cost: -1 }, "cost"],
    [{ preflight: "deny" }, "preflight"],
  ])("rejects bad option %j, naming %s", (bad, option) => {
    const create = () => unkey({ rootKey: "unkey_root_test", ...(bad as UnkeyExpressOptions) });
    expect(create).toThrow(KeyguardConfigError);
    try {
      create();
    } catch (error) {
      expect((error as KeyguardConfigError).option).toBe(option);
    }
  });

  it("requirePermissions rejects a malformed query at creation", () => {
    expect(() => requirePermissions("docs.read OR")).toThrow(KeyguardConfigError);
  });

  it("a cache hit is decided synchronously: next() runs before any promise settles", async () => {
    const unkeyFake = fakeUnkey(KEYS);
    const middleware = unkey({ rootKey: "unkey_root_test", fetch: unkeyFake.fetch });
    const req = {
      method: "GET",
      url: "/docs",
      originalUrl: "/docs",
      headers: { authorization: "Bearer sk_reader" },
      rawHeaders: ["Authorization", "Bearer sk_reader"],
    } as unknown as Request;
    const res = { setHeader: vi.fn() } as unknown as Response;
    await new Promise<void>((resolve) => middleware(req, res, (() => resolve()) as NextFunction));
    const next = vi.fn();
    middleware({ ...req } as Request, res, next);
    expect(next).toHaveBeenCalledWith();
    expect(unkeyFake.calls).toBe(1);
  });

  it("refuses duplicated Authorization headers seen only in rawHeaders", () => {
    const unkeyFake = fakeUnkey(KEYS);
    const middleware = unkey({ rootKey: "unkey_root_test", fetch: unkeyFake.fetch });
    const headers: Record<string, string> = {};
    const res = {
      statusCode: 0,
      setHeader: (name: string, value: string) => {
        headers[name] = value;
      },
      removeHeader: vi.fn(),
      end: vi.fn(),
    };
    const next = vi.fn();
    middleware(
      {
        method: "GET",
        url: "/",
        headers: { authorization: "Bearer sk_reader" },
        rawHeaders: ["Authorization", "Bearer sk_reader", "authorization", "Bearer sk_admin"],
      } as unknown as Request,
      res as unknown as Response,
      next,
    );
    expect(next).not.toHaveBeenCalled();
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.end.mock.calls[0]?.[0] as string).code).toBe("DUPLICATE_KEY");
    expect(unkeyFake.calls).toBe(0);
  });
});
