import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { devUpstream, type Upstream } from "../src/dev-upstream";

describe("express example", () => {
  let upstream: Upstream;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    delete process.env.UNKEY_ROOT_KEY;
    upstream = await devUpstream(
      ["projects.read", "projects.write", "projects.delete"],
      ["projects.read", "projects.write"],
    );
    const { app, verifier } = createApp(upstream);
    // What main.ts runs before listening.
    await verifier.check();
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await upstream?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${upstream.key}` });

  it("serves the public health check without a key", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("answers 200 with the key's id, meta and identity for a key made on the emulator", async () => {
    const response = await fetch(`${url}/api/me`, { headers: auth() });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ plan: "pro", user: "user_42", name: "Example key" });
    expect(body.keyId).toEqual(expect.any(String));
  });

  it("creates a project with projects.write and refuses a delete without projects.delete", async () => {
    const created = await fetch(`${url}/api/projects`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ name: "Gemini" }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: "Gemini", owner: "user_42" });
    const refused = await fetch(`${url}/api/projects/1`, { method: "DELETE", headers: auth() });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS" });
  });

  it("answers 401 without a key", async () => {
    const response = await fetch(`${url}/api/projects`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await response.json()).toMatchObject({ code: "MISSING_KEY" });
  });
});
