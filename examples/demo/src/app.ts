import { getConnInfo } from "@hono/node-server/conninfo";
import { createVerifier, or, type VerifierOptions } from "@keyguard/core";
import { identify, keyOf, ratelimit, requirePermissions, unkey } from "@keyguard/hono";
import { Hono } from "hono";

interface Document {
  id: number;
  title: string;
  owner: string;
}

/**
 * The demo API: a public health check, a sign-up route limited per client
 * address, and document routes guarded by keyguard, each asking for its own
 * permission. One verifier (one cache) is shared by every route.
 *
 * @example
 * ```ts
 * const app = createDemoApp({ rootKey, baseUrl });
 * serve({ fetch: app.fetch, port: 3000 });
 * ```
 */
export function createDemoApp(options: Pick<VerifierOptions, "rootKey" | "baseUrl">) {
  const verifier = createVerifier(options);
  const documents: Document[] = [{ id: 1, title: "Welcome to keyguard", owner: "demo" }];
  const app = new Hono();

  app.get("/health", (c) => c.json({ status: "ok" }));

  // No key can protect a sign-up form: limit it per client address instead (Unkey's
  // ratelimit.limit). The demo serves clients directly; behind a proxy, identify by the
  // header the proxy sets (see "Rate limiting" in @keyguard/hono's README).
  const signups = ratelimit({
    ...options,
    namespace: "keyguard-demo.signup",
    limit: 3,
    duration: 60_000,
    identifier: identify.ip(getConnInfo),
  });
  app.post("/signup", signups, async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { email?: unknown };
    const email = typeof body.email === "string" ? body.email : "anonymous";
    return c.json({ welcome: email }, 201);
  });

  // Every /v1 route needs a valid key; routes below add the permissions they need.
  app.use("/v1/*", unkey({ verifier }));

  app.get("/v1/whoami", (c) => {
    const key = keyOf(c); // non-optional: /v1/* is behind unkey()
    return c.json({
      keyId: key.keyId,
      name: key.name,
      meta: key.meta,
      identity: key.identity?.externalId,
      roles: key.roles,
      permissions: key.permissions,
      credits: key.credits,
      source: key.source,
    });
  });

  app.get("/v1/documents", requirePermissions("documents.read"), (c) => c.json({ documents }));

  app.post("/v1/documents", requirePermissions("documents.write"), async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { title?: unknown };
    const title = typeof body.title === "string" ? body.title : "Untitled";
    const key = keyOf(c);
    const owner = key.identity?.externalId ?? key.keyId;
    const document = { id: documents.length + 1, title, owner };
    documents.push(document);
    return c.json(document, 201);
  });

  app.delete(
    "/v1/documents/:id",
    requirePermissions(or("documents.delete", "demo.superuser")),
    (c) => {
      const index = documents.findIndex((d) => d.id === Number(c.req.param("id")));
      if (index === -1) return c.json({ error: "not found" }, 404);
      documents.splice(index, 1);
      return c.body(null, 204);
    },
  );

  return { app, verifier };
}
