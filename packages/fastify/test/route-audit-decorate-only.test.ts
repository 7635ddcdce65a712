import { type Emulator, startEmulator } from "@keyguard/emulator";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditRoutes, keyguard, UnkeyDeniedError } from "../src/index";

// Issue 32 item 1: in decorate-only mode (`addHook: false`) a route is "key" only where a
// request without a key is refused by keyguard. A route hook that replies before verifyUnkey
// (an earlier onRequest, or any preParsing / preValidation / preHandler hook when verifyUnkey
// is not in onRequest first) answers without a key, whatever the route's config.unkey says.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const ok = () => ({ ok: true });
const asks = { unkey: { permissions: "docs.read" } };
/** A cache or feature-flag hook that answers some requests itself: here, every one. */
const replies = async (_request: FastifyRequest, reply: FastifyReply) => reply.send({ hit: 1 });

const ASKS_NOTE =
  "asks for a key (config.unkey) but app.verifyUnkey is not its first onRequest hook: misconfigured, a hook or handler before it may answer without a key";
const RUNS_NOTE =
  "runs app.verifyUnkey, but not as its first onRequest hook: a hook before it may answer without a key";

/** A decorate-only app whose routes opt in every way the audit must tell apart. */
async function build() {
  app = Fastify();
  await app.register(keyguard, {
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    addHook: false,
    // GET /asks answers 500 GUARD_MISSING, logged: kept out of the test's output.
    logger: { warn: () => {}, error: () => {} },
  });
  app.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof UnkeyDeniedError)) return reply.send(error);
    const { status, headers, body } = error.decision;
    return reply.code(status).headers(headers).send(body);
  });
  const verifyUnkey = app.verifyUnkey;
  app.get("/first", { onRequest: [verifyUnkey, replies], config: asks }, ok);
  app.get("/alone", { onRequest: verifyUnkey }, ok);
  // Pattern 1: verifyUnkey is in onRequest, after a hook that replies.
  app.get("/after-reply", { onRequest: [replies, verifyUnkey] }, ok);
  app.get("/after-reply-asks", { onRequest: [replies, verifyUnkey], config: asks }, ok);
  // Pattern 2: asks for a key, no verifyUnkey first; a preHandler answers before the
  // handler's GUARD_MISSING check.
  app.get("/prehandler-replies", { preHandler: replies, config: asks }, ok);
  app.get("/prevalidation-replies", { preValidation: replies, config: asks }, ok);
  // An "or" composition (as @fastify/auth's relation: "or"): another strategy admits.
  const either = async (request: FastifyRequest, reply: FastifyReply) => {
    await verifyUnkey(request, reply).catch(() => undefined);
  };
  app.get("/either", { onRequest: either, config: asks }, ok);
  app.get("/asks", { config: asks }, ok);
  app.get("/plain", ok);
  await app.ready();
  return app;
}

describe("auditRoutes(app), decorate-only: key only where verifyUnkey is the first onRequest hook", () => {
  it("lists a route whose earlier hook, or preHandler, may answer as open, saying why", async () => {
    expect(auditRoutes(await build())).toEqual([
      { method: "GET", path: "/after-reply", access: "open", note: RUNS_NOTE },
      { method: "GET", path: "/after-reply-asks", access: "open", note: ASKS_NOTE },
      { method: "GET", path: "/alone", access: "key" },
      { method: "GET", path: "/asks", access: "open", note: ASKS_NOTE },
      { method: "GET", path: "/either", access: "open", note: ASKS_NOTE },
      { method: "GET", path: "/first", access: "key", permissions: "docs.read" },
      { method: "GET", path: "/plain", access: "open" },
      { method: "GET", path: "/prehandler-replies", access: "open", note: ASKS_NOTE },
      { method: "GET", path: "/prevalidation-replies", access: "open", note: ASKS_NOTE },
    ]);
  });

  it("every key row refuses a keyless request with 401; the replying patterns answer 200", async () => {
    const ready = await build();
    const answers: Record<string, number> = {};
    for (const row of auditRoutes(ready)) {
      const response = await ready.inject({ method: "GET", url: row.path });
      answers[row.path] = response.statusCode;
      if (row.access === "key")
        expect(`${row.path} ${response.statusCode}`).toBe(`${row.path} 401`);
    }
    // What the audit must not call "key": each is served to a request without a key.
    for (const path of ["/after-reply", "/after-reply-asks", "/prehandler-replies", "/either"])
      expect(`${path} ${answers[path]}`).toBe(`${path} 200`);
    expect(answers["/prevalidation-replies"]).toBe(200);
  });
});
