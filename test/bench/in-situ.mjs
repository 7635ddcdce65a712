// Times pieces of the cached path inside a live server under load, where caches are cold and
// costs are several times a tight loop's:
//   node test/bench/in-situ.mjs [express|fastify] [none|extract|hash|check|property|accessor|weakmap|locals]
// "check" is the whole guard.check on a warm key; "extract" the key extraction; "hash" the
// key's SHA-256 (node:crypto's one-shot hash, as the core's Node build uses); "property"
// setting `unkey` on the framework's request object, as the adapters do; "accessor" the same
// through an accessor on the request's prototype that keeps contexts in a WeakMap; "weakmap"
// a WeakMap.set keyed by the request; "locals" a symbol slot in Express's `res.locals` (the
// alternatives to a property that were measured, and rejected: see RESULTS.md).
// Prints the mean nanoseconds spent in that piece per request (hrtime around it).
import { hash } from "node:crypto";
import { createServer } from "node:http";
import { createGuard, extractKey } from "@keyguard/core/adapter";
import { startEmulator } from "@keyguard/emulator";
import autocannon from "autocannon";

const framework = process.argv[2] ?? "fastify";
const piece = process.argv[3] ?? "check";
const PIECES = ["none", "extract", "hash", "check", "property", "accessor", "weakmap", "locals"];
if (!PIECES.includes(piece)) throw new Error(`piece must be one of ${PIECES.join(", ")}`);

const key = "bench_in_situ_key_0123456789";
const emulator = await startEmulator({ seed: { apis: [{ name: "in-situ", keys: [{ key }] }] } });
const guard = createGuard({
  rootKey: emulator.rootKey,
  baseUrl: emulator.url,
  cache: { ttlMs: 600_000 },
});
await guard.check({ headers: { authorization: `Bearer ${key}` } }); // warm the one key
const context = Object.freeze({ keyId: "key_in_situ" });

const contexts = new WeakMap();
const SLOT = Symbol.for("keyguard.requestContext");
let accessorOn;
function defineAccessor(target) {
  const proto = Object.getPrototypeOf(target);
  if (accessorOn === proto) return;
  accessorOn = proto;
  Object.defineProperty(proto, "unkeyViaAccessor", {
    configurable: true,
    get() {
      return contexts.get(this);
    },
    set(value) {
      contexts.set(this, value);
    },
  });
}

let spent = 0n;
let count = 0;
function timed(request) {
  if (piece === "accessor") defineAccessor(request.target);
  const started = process.hrtime.bigint();
  if (piece === "extract") extractKey(request);
  else if (piece === "hash") hash("sha256", request.headers.authorization.slice(7), "hex");
  else if (piece === "check") guard.check(request);
  else if (piece === "property") request.target.unkey = context;
  else if (piece === "accessor") request.target.unkeyViaAccessor = context;
  else if (piece === "weakmap") contexts.set(request.target, context);
  else if (piece === "locals") request.target.res.locals[SLOT] = context;
  spent += process.hrtime.bigint() - started;
  count++;
}

let url;
let close;
if (framework === "express") {
  const { default: express } = await import("express");
  const app = express();
  app.use((req, _res, next) => {
    timed({ method: req.method, headers: req.headers, rawHeaders: req.rawHeaders, target: req });
    next();
  });
  app.get("/hello", (_req, res) => res.json({ ok: true }));
  const server = createServer(app);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}/hello`;
  close = () => new Promise((resolve) => server.close(resolve));
} else if (framework === "fastify") {
  const { default: Fastify } = await import("fastify");
  const app = Fastify();
  app.addHook("onRequest", (request, _reply, done) => {
    const { method, headers, raw } = request;
    timed({ method, headers, rawHeaders: raw.rawHeaders, target: request });
    done();
  });
  app.get("/hello", () => ({ ok: true }));
  url = `${await app.listen({ port: 0, host: "127.0.0.1" })}/hello`;
  close = () => app.close();
} else {
  throw new Error("framework must be express or fastify");
}

const options = { url, connections: 20, headers: { authorization: `Bearer ${key}` } };
await autocannon({ ...options, duration: 2 });
spent = 0n;
count = 0;
const result = await autocannon({ ...options, duration: 3 });
console.log(
  `${framework} ${piece}: ${Math.round(result.requests.total / result.duration)} req/s, ` +
    `${(Number(spent) / count).toFixed(0)} ns per request in the timed piece (timer alone ≈ the "none" figure)`,
);
await close();
await emulator.stop();
