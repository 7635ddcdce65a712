import { fakeUnkey } from "@keyguard/test-support";
import { validate } from "@readme/openapi-parser";
import { type Context, Hono } from "hono";
import { describeRoute, generateSpecs } from "hono-openapi";
import { describe, expect, it } from "vitest";
import { requirePermissions, type UnkeyHonoOptions, unkey } from "../src/index";
import { applyKeyguardOpenApi, openAPIRouteHandler } from "../src/openapi";

// The real hono-openapi and a real OpenAPI validator; routes carry no annotations.

type Operation = {
  security?: Record<string, string[]>[];
  responses?: Record<string, { description: string }>;
  "x-permissions"?: string;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, unknown> };
};

const ok = (c: Context) => c.json({ keyId: c.var.unkey?.keyId ?? null });

function build(options: Partial<UnkeyHonoOptions> = {}) {
  const upstream = fakeUnkey({ sk_read: { keyId: "key_read", permissions: ["docs.read"] } });
  const app = new Hono();
  app.get("/health", (c) => c.text("ok")); // before any guard: public
  app.get(
    "/openapi.json",
    openAPIRouteHandler(app, { documentation: { info: { title: "docs", version: "1.0.0" } } }),
  );
  const auth = unkey({ rootKey: "unkey_root_test", fetch: upstream.fetch, ...options });
  app.use("/api/*", auth);
  app.get("/api", ok);
  app.get("/api/docs", requirePermissions("docs.read"), ok);
  app.post("/api/docs/:id{[0-9]+}", requirePermissions("docs.write AND admin"), ok);
  app.get(
    "/api/items",
    describeRoute({
      responses: { 200: { description: "The items." }, 403: { description: "Yours." } },
    }),
    ok,
  );
  app.get("/status", ok); // outside /api: public
  app.get("/metered", unkey({ verifier: auth.verifier, cost: 3 }), ok);
  app.delete(
    "/admin/:id",
    unkey({ verifier: auth.verifier, permissions: "admin" }),
    requirePermissions("root"),
    ok,
  );
  return app;
}

async function documentOf(app: Hono) {
  const response = await app.request("/openapi.json");
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

describe("OpenAPI with hono-openapi and no annotations", () => {
  it("describes each route's cost, the answers' headers and the 429/503 problem types", async () => {
    const document = await documentOf(build());
    const metered = document.paths["/metered"]?.get as Operation & Record<string, unknown>;
    expect(metered["x-cost"]).toBe(3);
    expect(document.paths["/api/docs"]?.get?.["x-cost" as "x-permissions"]).toBeUndefined();
    const responses = metered.responses as Record<string, { headers?: object; content?: object }>;
    expect(Object.keys(responses["429"]?.headers ?? {})).toEqual([
      "RateLimit-Policy",
      "RateLimit",
      "Retry-After",
    ]);
    expect(Object.keys(responses["401"]?.headers ?? {})).toEqual(["WWW-Authenticate"]);
    expect(JSON.stringify(responses["429"]?.content)).toContain("#quota-exceeded");
    expect(JSON.stringify(responses["503"]?.content)).toContain("#temporary-reduced-capacity");
  });

  it("declares the default sources' schemes, security on guarded routes, none on public ones", async () => {
    const document = await documentOf(build());
    expect(document.components.securitySchemes).toEqual({
      keyguardBearer: { type: "http", scheme: "bearer" },
      "keyguardHeader_x-api-key": { type: "apiKey", in: "header", name: "x-api-key" },
    });
    const docs = document.paths["/api/docs"]?.get;
    expect(docs?.security).toEqual([{ keyguardBearer: [] }, { "keyguardHeader_x-api-key": [] }]);
    expect(Object.keys(docs?.responses ?? {})).toEqual(
      expect.arrayContaining(["401", "403", "429", "503"]),
    );
    expect(docs?.["x-permissions"]).toBe("docs.read");
    expect(document.paths["/api/docs/{id}"]?.post?.["x-permissions"]).toBe("docs.write AND admin");
    expect(document.paths["/api"]?.get?.security).toHaveLength(2);
    for (const path of ["/health", "/status"]) {
      expect(document.paths[path]?.get?.security, path).toBeUndefined();
      expect(document.paths[path]?.get?.responses?.["401"], path).toBeUndefined();
    }
  });

  it("joins the permission queries of a chain with AND, and keeps the route's own responses", async () => {
    const document = await documentOf(build());
    expect(document.paths["/admin/{id}"]?.delete?.["x-permissions"]).toBe("(admin) AND (root)");
    const items = document.paths["/api/items"]?.get;
    expect(items?.responses?.["200"]?.description).toBe("The items.");
    expect(items?.responses?.["403"]?.description).toBe("Yours.");
    expect(items?.responses?.["401"]).toBeDefined();
  });

  it("the generated document is valid OpenAPI", async () => {
    const document = await documentOf(build());
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
  });

  it("query and cookie sources become apiKey schemes, each middleware declaring its own", async () => {
    const document = await documentOf(
      build({ keySources: [{ query: "api_key" }, { cookie: "session" }] }),
    );
    expect(document.components.securitySchemes).toMatchObject({
      keyguardQuery_api_key: { type: "apiKey", in: "query", name: "api_key" },
      keyguardCookie_session: { type: "apiKey", in: "cookie", name: "session" },
    });
    expect(document.paths["/api/docs"]?.get?.security).toEqual([
      { keyguardQuery_api_key: [] },
      { keyguardCookie_session: [] },
    ]);
    // /admin's own unkey() reads the default sources.
    expect(document.paths["/admin/{id}"]?.delete?.security).toEqual([
      { keyguardBearer: [] },
      { "keyguardHeader_x-api-key": [] },
    ]);
  });

  it("the document matches reality: guarded routes answer 401 without a key, public ones do not", async () => {
    const app = build();
    const document = await documentOf(app);
    let checked = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const url = path.replace("{id}", "1");
        const response = await app.request(url, { method: method.toUpperCase() });
        if (operation.security) expect(response.status, `${method} ${path}`).toBe(401);
        else expect(response.status, `${method} ${path}`).not.toBe(401);
        checked++;
      }
    }
    // hono-openapi leaves out paths with a dot (`excludeStaticFile`): /openapi.json.
    expect(checked, JSON.stringify(Object.keys(document.paths))).toBe(8);
  });

  it("applyKeyguardOpenApi works on generateSpecs' output, with app.use() guarding what follows", async () => {
    const upstream = fakeUnkey({});
    const app = new Hono();
    app.get("/health", (c) => c.text("ok"));
    app.use(unkey({ rootKey: "unkey_root_test", fetch: upstream.fetch }));
    app.get("/me", ok);
    const document = applyKeyguardOpenApi(
      app,
      await generateSpecs(app, { includeEmptyPaths: true }),
    ) as unknown as Document;
    expect(document.paths["/me"]?.get?.security).toHaveLength(2);
    expect(document.paths["/health"]?.get?.security).toBeUndefined();
    expect((await app.request("/me")).status).toBe(401);
    expect((await app.request("/health")).status).toBe(200);
  });

  it("sees the middleware of a sub-app mounted with app.route()", async () => {
    const upstream = fakeUnkey({});
    const api = new Hono();
    api.onError((error, c) => c.json({ error: error.message }, 500)); // Hono wraps its handlers
    api.use(unkey({ rootKey: "unkey_root_test", fetch: upstream.fetch }));
    api.get("/docs", requirePermissions("docs.read"), ok);
    const app = new Hono();
    app.get("/health", (c) => c.text("ok"));
    app.route("/v1", api);
    app.get("/openapi", openAPIRouteHandler(app));
    const response = await app.request("/openapi");
    const document = (await response.json()) as Document;
    expect(document.paths["/v1/docs"]?.get?.["x-permissions"]).toBe("docs.read");
    expect(document.paths["/v1/docs"]?.get?.security).toHaveLength(2);
    expect(document.paths["/health"]?.get?.security).toBeUndefined();
    expect((await app.request("/v1/docs")).status).toBe(401);
  });
});
