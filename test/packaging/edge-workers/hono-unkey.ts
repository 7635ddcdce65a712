// The Workers example of packages/hono/README.md: unkey() built once, from the bindings.
import { keyOf, unkey } from "@keyguard/hono";
import { Hono } from "hono";

type Bindings = { UNKEY_ROOT_KEY: string; UNKEY_BASE_URL: string };

const app = new Hono<{ Bindings: Bindings }>();
let auth: ReturnType<typeof unkey> | undefined;
app.use((c, next) => {
  auth ??= unkey({ rootKey: c.env.UNKEY_ROOT_KEY, baseUrl: c.env.UNKEY_BASE_URL });
  return auth(c, next);
});
app.get("/me", (c) => c.json({ keyId: keyOf(c).keyId }));

export default app;
