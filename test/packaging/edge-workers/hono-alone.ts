// The baseline: a Worker guarded by Hono's own bearerAuth, with its token from the bindings.
import { type Context, Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";

const app = new Hono<{ Bindings: { TOKEN: string } }>();
let auth: ReturnType<typeof bearerAuth> | undefined;
app.use((c, next) => {
  auth ??= bearerAuth({ token: c.env.TOKEN });
  // bearerAuth is typed for the default env; the app's bindings are only read above.
  return auth(c as Context, next);
});
app.get("/me", (c) => c.json({ ok: true }));

export default app;
