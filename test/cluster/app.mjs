// One app instance of the cluster suite, in its own process: Express or Fastify,
// guarded by keyguard with a Redis shared cache (or none), on 127.0.0.1.
// Env: FRAMEWORK, UNKEY_BASE_URL, UNKEY_ROOT_KEY, REDIS_URL (optional), CACHE_SECRET, TTL_MS,
// and optionally TIMEOUT_MS (Unkey's, which also bounds a wait on another instance's lease) and
// STORE_TIMEOUT_MS (one Redis call's).
// IPC in: {type:"invalidateKeyId", keyId, id}, {type:"invalidateIdentity", externalId, id}, {type:"ready", id} (answered once the Redis
// connection is up), {type:"stop"}; out: {type:"ready", url}, {type:"done", id}, and
// {type:"subscribed"} each time the invalidation bus subscribes again after start-up.
import { createVerifier } from "@keyguard/core";
import { redisCache } from "@keyguard/redis";

const { FRAMEWORK, REDIS_URL, CACHE_SECRET } = process.env;
const ttlMs = Number(process.env.TTL_MS ?? 5000);
const optionFromEnv = (name, option) =>
  process.env[name] === undefined ? {} : { [option]: Number(process.env[name]) };
const sharedCache = REDIS_URL
  ? redisCache({
      url: REDIS_URL,
      secret: CACHE_SECRET,
      ...optionFromEnv("STORE_TIMEOUT_MS", "timeoutMs"),
    })
  : undefined;
// The app's guard gets `sharedCache` through the adapter's own options; this verifier,
// on the same shared cache, is the "admin" side that revokes by key id.
const options = {
  cache: { ttlMs, negativeTtlMs: ttlMs },
  ...optionFromEnv("TIMEOUT_MS", "timeoutMs"),
  ...(sharedCache && { sharedCache }),
};
const admin = createVerifier(options);

async function express() {
  const { default: createApp } = await import("express");
  const { unkey } = await import("@keyguard/express");
  const app = createApp();
  app.get("/protected", unkey(options), (req, res) => res.json({ keyId: req.unkey.keyId }));
  app.get("/paid", unkey({ ...options, cost: 1 }), (req, res) =>
    res.json({ keyId: req.unkey.keyId }),
  );
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }),
    );
  });
}

async function fastify() {
  const { default: Fastify } = await import("fastify");
  const { keyguard } = await import("@keyguard/fastify");
  const app = Fastify();
  await app.register(keyguard, options);
  app.get("/protected", (request) => ({ keyId: request.unkey.keyId }));
  app.get("/paid", { config: { unkey: { cost: 1 } } }, (request) => ({
    keyId: request.unkey.keyId,
  }));
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}

const app = await (FRAMEWORK === "fastify" ? fastify() : express());
await sharedCache?.ready();
// Every subscription after this one follows a lost connection (and flushes the cache).
sharedCache?.subscribe({ message() {}, reconnected: () => process.send({ type: "subscribed" }) });
process.send({ type: "ready", url: app.url });
process.on("message", async (message) => {
  if (message.type === "invalidateKeyId") {
    await admin.invalidateKeyId(message.keyId);
    process.send({ type: "done", id: message.id });
  } else if (message.type === "invalidateIdentity") {
    await admin.invalidateIdentity(message.externalId);
    process.send({ type: "done", id: message.id });
  } else if (message.type === "ready") {
    await sharedCache?.ready();
    process.send({ type: "done", id: message.id });
  } else if (message.type === "stop") {
    await app.close();
    await sharedCache?.close();
    process.exit(0);
  }
});
