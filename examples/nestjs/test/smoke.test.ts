import "reflect-metadata";
import { UNKEY_VERIFIER, type Verifier } from "@keyguard/nestjs";
import type { INestApplication } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppModule } from "../src/app.module";
import { devUpstream, type Upstream } from "../src/dev-upstream";
import { setupOpenApi } from "../src/openapi";

describe("nestjs example", () => {
  let upstream: Upstream;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    delete process.env.UNKEY_ROOT_KEY;
    upstream = await devUpstream(
      ["orders.read", "orders.write", "orders.cancel"],
      ["orders.read", "orders.write"],
    );
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.register(upstream)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    setupOpenApi(app);
    // What main.ts runs before listening, through UnkeyModule's verifier.
    await app.get<string, Verifier>(UNKEY_VERIFIER).check();
    await app.listen(0, "127.0.0.1");
    url = (await app.getUrl()).replace("[::1]", "127.0.0.1");
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${upstream.key}` });

  it("serves the @Public() health check without a key", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("answers 200 with the key's id, meta and identity for a key made on the emulator", async () => {
    const response = await fetch(`${url}/orders/me`, { headers: auth() });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ plan: "pro", user: "user_42", name: "Example key" });
    expect(body.keyId).toEqual(expect.any(String));
  });

  it("creates with orders.write and refuses a cancel without orders.cancel", async () => {
    const created = await fetch(`${url}/orders`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ item: "mouse" }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ item: "mouse", customer: "user_42" });
    const refused = await fetch(`${url}/orders/1`, { method: "DELETE", headers: auth() });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS" });
  });

  it("answers 401 without a key", async () => {
    const response = await fetch(`${url}/orders`);
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
    expect(document.paths["/health"]?.get?.security).toBeUndefined();
    expect(document.paths["/orders/me"]?.get?.security).toHaveLength(2);
    expect(document.paths["/orders/{id}"]?.delete?.["x-permissions"]).toBe(
      "orders.write AND orders.cancel",
    );
    let checked = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const answer = await fetch(`${url}${path.replace(/\{\w+\}/g, "1")}`, { method });
        if (operation.security) expect(answer.status, `${method} ${path}`).toBe(401);
        else expect(answer.status, `${method} ${path}`).not.toBe(401);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2);
  });
});
