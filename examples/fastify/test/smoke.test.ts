import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { devUpstream, type Upstream } from "../src/dev-upstream";

describe("fastify example", () => {
  let upstream: Upstream;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    delete process.env.UNKEY_ROOT_KEY;
    upstream = await devUpstream(
      ["invoices.read", "invoices.write", "invoices.void"],
      ["invoices.read", "invoices.write"],
    );
    app = await createApp(upstream);
    // What main.ts runs before listening, through the plugin's decorator.
    await app.unkeyVerifier.check();
    url = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${upstream.key}` });

  it("serves the public health check without a key", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("answers 200 with the key's id, meta and identity for a key made on the emulator", async () => {
    const response = await fetch(`${url}/me`, { headers: auth() });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ plan: "pro", user: "user_42", name: "Example key" });
    expect(body.keyId).toEqual(expect.any(String));
  });

  it("writes with invoices.write and refuses a void without invoices.void", async () => {
    const created = await fetch(`${url}/invoices`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ amount: 990 }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ amount: 990, customer: "user_42" });
    const refused = await fetch(`${url}/invoices/1`, { method: "DELETE", headers: auth() });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS" });
  });

  it("answers 401 without a key", async () => {
    const response = await fetch(`${url}/invoices`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
  });

  it("serves an OpenAPI document that declares the key scheme on guarded routes, and reality agrees", async () => {
    const response = await fetch(`${url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; "x-permissions"?: string }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(document.components.securitySchemes)).toEqual([
      "keyguardBearer",
      "keyguardHeader_x-api-key",
    ]);
    expect(document.paths["/invoices/{id}"]?.delete?.["x-permissions"]).toBe(
      "invoices.write AND invoices.void",
    );
    expect(document.paths["/health"]?.get?.security).toBeUndefined();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const answer = await fetch(`${url}${path.replace("{id}", "1")}`, { method });
        if (operation.security) expect(answer.status, `${method} ${path}`).toBe(401);
        else expect(answer.status, `${method} ${path}`).not.toBe(401);
      }
    }
  });
});
