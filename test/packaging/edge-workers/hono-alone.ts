// The baseline: a Worker guarded by Hono's own bearerAuth, with its token from the bindings.
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";

const app = new Hono<{ Bindings: { TOKEN: string } }>();
let auth: ReturnType<typeof bearerAuth> | undefined;
app.use((c, next) => {
  auth ??= bearerAuth({ token: c.env.TOKEN });
  return auth(c, next);
});
app.get("/me", (c) => c.json({ ok: true }));

export default app;
