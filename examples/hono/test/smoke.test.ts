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
    const app = createApp(upstream);
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
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
  });
});
