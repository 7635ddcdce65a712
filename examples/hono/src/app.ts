import { keyOf, requirePermissions, unkey } from "@keyguard/hono";
import { openAPIRouteHandler } from "@keyguard/hono/openapi";
import { Hono } from "hono";

interface Note {
  id: number;
  text: string;
  author: string;
}

/**
 * A notes API on Web standards (runs on Node, Bun, Deno and Workers):
 * `/health` is public, `/notes/*` needs a valid key, each route its permission;
 * `/openapi.json` documents all of it. Returns the app and the middleware's
 * verifier, whose `check()` main.ts runs before listening.
 */
export function createApp(options: { rootKey: string; baseUrl?: string }) {
  const notes: Note[] = [{ id: 1, text: "Ship keyguard", author: "user_42" }];
  const app = new Hono();

  app.get("/health", (c) => c.json({ status: "ok" }));

  // Created once: one verifier and one cache for every /notes route.
  const auth = unkey({ rootKey: options.rootKey, baseUrl: options.baseUrl });
  const api = new Hono().use(auth);

  api.get("/me", (c) => {
    const key = keyOf(c); // non-optional: the route is behind unkey()
    return c.json({
      keyId: key.keyId,
      name: key.name,
      plan: key.meta?.plan,
      user: key.identity?.externalId,
      permissions: key.permissions,
    });
  });

  api.get("/", requirePermissions("notes.read"), (c) => c.json({ notes }));

  api.post("/", requirePermissions("notes.write"), async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { text?: unknown };
    const key = keyOf(c); // non-optional: the route is behind unkey()
    const note = {
      id: notes.length + 1,
      text: typeof body.text === "string" ? body.text : "",
      author: key.identity?.externalId ?? key.keyId,
    };
    notes.push(note);
    return c.json(note, 201);
  });

  api.delete("/:id", requirePermissions("notes.write AND notes.delete"), (c) => {
    const index = notes.findIndex((n) => n.id === Number(c.req.param("id")));
    if (index === -1) return c.json({ error: "not found" }, 404);
    notes.splice(index, 1);
    return c.body(null, 204);
  });

  app.route("/notes", api);

  // The OpenAPI document (hono-openapi), with the API-key scheme, security, 401/403/429/503
  // and x-permissions declared from the middleware above: no route is annotated.
  app.get(
    "/openapi.json",
    openAPIRouteHandler(app, { documentation: { info: { title: "Notes API", version: "1.0.0" } } }),
  );
  return { app, verifier: auth.verifier };
}
