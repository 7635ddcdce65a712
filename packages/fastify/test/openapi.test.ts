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
  components: { securitySchemes: Record<string, unknown>; headers?: Record<string, unknown> };
};

type Response = {
  headers?: Record<string, { $ref?: string }>;
  content?: Record<string, { schema: unknown }>;
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

  it("describes the answers' headers, the 429/503 problem types and each route's cost", async () => {
    const { document } = await build();
    const post = document.paths["/docs/{id}"]?.post as Operation & Record<string, unknown>;
    const responses = post.responses as Record<string, Response>;
    const headerNames = (status: string) => Object.keys(responses[status]?.headers ?? {});
    expect(headerNames("401")).toEqual(["WWW-Authenticate"]);
    expect(headerNames("403")).toContain("WWW-Authenticate");
    expect(headerNames("429")).toEqual(["RateLimit-Policy", "RateLimit", "Retry-After"]);
    expect(headerNames("503")).toEqual(["Retry-After"]);
    // Every header is a component the document defines.
    for (const status of ["400", "401", "403", "429", "503"])
      for (const header of Object.values(responses[status]?.headers ?? {}))
        expect(Object.keys(document.components.headers ?? {})).toContain(
          header.$ref?.replace("#/components/headers/", ""),
        );
    expect(JSON.stringify(responses["429"]?.content)).toContain(
      "https://iana.org/assignments/http-problem-types#quota-exceeded",
    );
    expect(JSON.stringify(responses["503"]?.content)).toContain(
      "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity",
    );
    expect(Object.keys(responses["200"]?.headers ?? {})).toEqual(["RateLimit-Policy", "RateLimit"]);
    expect(post["x-cost"]).toBe(2);
    expect(document.paths["/docs"]?.get?.["x-cost" as "x-permissions"]).toBeUndefined();
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
