import swagger from "@fastify/swagger";
import { fakeUnkey } from "@keyguard/test-support";
import { validate } from "@readme/openapi-parser";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { type KeyguardFastifyOptions, keyguard, keyguardOpenApi } from "../src/index";

// The real @fastify/swagger and a real OpenAPI validator; routes carry no annotations.
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  "x-permissions"?: string;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

async function build(options: Partial<KeyguardFastifyOptions> = {}) {
  const upstream = fakeUnkey({ sk_read: { keyId: "key_read", permissions: ["docs.read"] } });
  app = Fastify();
  await app.register(swagger, {
    openapi: { info: { title: "docs", version: "1.0.0" } },
    transformObject: keyguardOpenApi(),
  });
  await app.register(keyguard, { rootKey: "unkey_root_test", fetch: upstream.fetch, ...options });
  app.get("/health", { config: { unkey: { public: true } } }, () => "ok");
  app.get("/docs", { config: { unkey: { permissions: "docs.read" } } }, () => []);
  app.post(
    "/docs/:id",
    { config: { unkey: { permissions: "docs.write AND admin", cost: 2 } } },
    () => ({}),
  );
  app.get("/me", () => ({}));
  await app.ready();
  return { app, document: app.swagger() as unknown as Document };
}

describe("OpenAPI with @fastify/swagger and no annotations", () => {
  it("declares the default sources' schemes, security on guarded routes, none on public ones", async () => {
    const { document } = await build();
    expect(document.components.securitySchemes).toEqual({
      keyguardBearer: { type: "http", scheme: "bearer" },
      "keyguardHeader_x-api-key": { type: "apiKey", in: "header", name: "x-api-key" },
    });
    const docs = document.paths["/docs"]?.get;
    expect(docs?.security).toEqual([{ keyguardBearer: [] }, { "keyguardHeader_x-api-key": [] }]);
    expect(Object.keys(docs?.responses ?? {})).toEqual(
      expect.arrayContaining(["401", "403", "429", "503"]),
    );
    expect(docs?.["x-permissions"]).toBe("docs.read");
    expect(document.paths["/docs/{id}"]?.post?.["x-permissions"]).toBe("docs.write AND admin");
    expect(document.paths["/health"]?.get?.security).toBeUndefined();
    expect(document.paths["/health"]?.get?.responses["401"]).toBeUndefined();
  });

  it("the generated document is valid OpenAPI", async () => {
    const { document } = await build();
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
  });

  it("query and cookie sources become apiKey schemes", async () => {
    const { document } = await build({ keySources: [{ query: "api_key" }, { cookie: "session" }] });
    expect(document.components.securitySchemes).toEqual({
      keyguardQuery_api_key: { type: "apiKey", in: "query", name: "api_key" },
      keyguardCookie_session: { type: "apiKey", in: "cookie", name: "session" },
    });
  });

  it("the document matches reality: guarded routes answer 401 without a key, public ones do not", async () => {
    const { app, document } = await build();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const url = path.replace("{id}", "1");
        const response = await app.inject({ method: method.toUpperCase() as "GET", url });
        if (operation.security) expect(response.statusCode, `${method} ${path}`).toBe(401);
        else expect(response.statusCode, `${method} ${path}`).not.toBe(401);
      }
    }
  });
});
