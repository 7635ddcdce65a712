// The same Worker plus a sign-up limited per client address: identify.ip() (and so ipaddr.js).
import { identify, keyOf, type RatelimitMiddleware, ratelimit, unkey } from "@keyguard/hono";
import { Hono } from "hono";
import { getConnInfo } from "hono/cloudflare-workers";

type Bindings = { UNKEY_ROOT_KEY: string; UNKEY_BASE_URL: string };

const app = new Hono<{ Bindings: Bindings }>();
let limit: RatelimitMiddleware | undefined;
app.post(
  "/signup",
  (c, next) => {
    limit ??= ratelimit({
      rootKey: c.env.UNKEY_ROOT_KEY,
      baseUrl: c.env.UNKEY_BASE_URL,
      namespace: "auth.signup",
      limit: 1,
      duration: 60_000,
      identifier: identify.ip(getConnInfo),
    });
    return limit(c, next);
  },
  (c) => c.json({ ok: true }),
);
let auth: ReturnType<typeof unkey> | undefined;
app.use((c, next) => {
  auth ??= unkey({ rootKey: c.env.UNKEY_ROOT_KEY, baseUrl: c.env.UNKEY_BASE_URL });
  return auth(c, next);
});
app.get("/me", (c) => c.json({ keyId: keyOf(c).keyId }));

export default app;
