import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { devUpstream, type Upstream } from "../src/dev-upstream";

describe("hono example", () => {
  let upstream: Upstream;
  let server: ReturnType<typeof serve>;
  let url: string;

  beforeAll(async () => {
    delete process.env.UNKEY_ROOT_KEY;
    upstream = await devUpstream(
      ["notes.read", "notes.write", "notes.delete"],
      ["notes.read", "notes.write"],
    );
    const { app, verifier } = createApp(upstream);
    // What main.ts runs before listening.
    await verifier.check();
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
        resolve(info.port),
      );
    });
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await upstream?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${upstream.key}` });

  it("serves the public health check without a key", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("answers 200 with the key's id, meta and identity for a key made on the emulator", async () => {
    const response = await fetch(`${url}/notes/me`, { headers: auth() });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ plan: "pro", user: "user_42", name: "Example key" });
    expect(body.keyId).toEqual(expect.any(String));
  });

  it("writes with notes.write and refuses a delete without notes.delete", async () => {
    const created = await fetch(`${url}/notes`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ text: "Hello" }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ text: "Hello", author: "user_42" });
    const refused = await fetch(`${url}/notes/1`, { method: "DELETE", headers: auth() });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS" });
  });

  it("answers 401 without a key", async () => {
    const response = await fetch(`${url}/notes`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
  });

  it("serves an OpenAPI document that declares the key scheme on /notes routes, and reality agrees", async () => {
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
    expect(document.paths["/notes/{id}"]?.delete?.["x-permissions"]).toBe(
      "notes.write AND notes.delete",
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
