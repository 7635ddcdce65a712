import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { authorize, createGuard, createRatelimitGuard, locateConfigErrors } from "../src/adapter";
import { fromFailure } from "../src/decision/decision";
import { extractKey } from "../src/extract/extract-key";
import {
  and,
  createRatelimiter,
  createRatelimitGroup,
  createVerifier,
  VerifierError,
} from "../src/index";
import { configError } from "./config-error";
import { deferred, fakeUnkey, NOT_FOUND_ANSWER, ROOT_KEY, validAnswer } from "./fake-unkey";

// Regression tests for issue 12 (hardening), one `describe` per item of the issue.

const KEY = "sk_hardening_0123456789";
const T0 = Date.UTC(2026, 0, 1);
const silent = { warn() {}, error() {} };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("4. numeric options are whole numbers within bounds", () => {
  const base = { rootKey: ROOT_KEY };
  it.each([
    ["timeoutMs", { timeoutMs: 1500.5 }],
    ["timeoutMs", { timeoutMs: 0.5 }],
    ["timeoutMs", { timeoutMs: 2 ** 31 }],
    ["timeoutMs", { timeoutMs: 3e9 }],
    ["timeoutMs", { timeoutMs: 1e12 }],
    ["timeoutMs", { timeoutMs: 0 }],
    ["cache.ttlMs", { cache: { ttlMs: 1e12 } }],
    ["cache.ttlMs", { cache: { ttlMs: 0.5 } }],
    ["cache.negativeTtlMs", { cache: { negativeTtlMs: 3e9 } }],
    ["cache.max", { cache: { max: 1e12 } }],
    ["cache.max", { cache: { max: 0 } }],
    ["staleIfErrorMs", { staleIfErrorMs: 2 ** 31 }],
    ["staleIfErrorMs", { staleIfErrorMs: 10.5 }],
  ])("refuses %s in %o", (option, options) => {
    const error = configError(() => createVerifier({ ...base, ...options }));
    expect(error.option).toBe(option);
    expect(error.message).toMatch(/whole number from \d+ to [\d,]+/);
  });

  it("accepts the largest timer a runtime honours", () => {
    expect(createVerifier({ ...base, timeoutMs: 2_147_483_647 }).options.timeoutMs).toBe(
      2_147_483_647,
    );
  });

  it.each([[1.5], [-1], [1e12 + 1], [Number.NaN]])("refuses a route cost of %s", (cost) => {
    const guard = createGuard(base);
    expect(configError(() => guard.route({ cost })).option).toBe("cost");
  });
});

describe("5. unknown option names are refused with the nearest valid one", () => {
  it.each([
    ["rootkey", { rootkey: "x" }, "rootKey"],
    ["permission", { rootKey: ROOT_KEY, permission: "a" }, "permissions"],
    ["timeout", { rootKey: ROOT_KEY, timeout: 5 }, "timeoutMs"],
  ])("createGuard refuses %s", (name, options, suggestion) => {
    const error = configError(() => createGuard(options as never));
    expect(error.option).toBe(name);
    expect(error.message).toContain(`did you mean \`${suggestion}\``);
  });

  it("createVerifier refuses cache: { ttl } and suggests cache.ttlMs", () => {
    const error = configError(() =>
      createVerifier({ rootKey: ROOT_KEY, cache: { ttl: 1 } as never }),
    );
    expect(error.option).toBe("cache.ttl");
    expect(error.message).toContain("`cache.ttlMs`");
  });

  it("createVerifier refuses a route option, which belongs to the guard", () => {
    const error = configError(() =>
      createVerifier({ rootKey: ROOT_KEY, permissions: "a" } as never),
    );
    expect(error.option).toBe("permissions");
  });

  it("a route refuses an unknown name by its path, and says apart where it was given", () => {
    const guard = createGuard({ rootKey: ROOT_KEY });
    const error = configError(() =>
      locateConfigErrors("route GET /x", () => guard.route({ cots: 1 } as never, "config.unkey.")),
    );
    expect(error).toMatchObject({ option: "config.unkey.cots", at: "route GET /x" });
    expect(error.message).toBe(
      "route GET /x: invalid option `config.unkey.cots`: unknown option; did you mean `config.unkey.cost`?",
    );
  });

  it("a typo inside a keySources entry (`schema`) is refused, naming `scheme` (new-user review)", () => {
    const error = configError(() =>
      createGuard({
        rootKey: ROOT_KEY,
        keySources: [{ header: "authorization", schema: "Bearer" } as never],
      }),
    );
    expect(error.option).toBe("keySources[0].schema");
    expect(error.message).toContain("did you mean `keySources[0].scheme`");
  });

  it("a name far from every option lists them all", () => {
    const error = configError(() => createGuard({ rootKey: ROOT_KEY, zzzzzzzz: 1 } as never));
    expect(error.message).toContain("expected one of rootKey,");
  });
});

describe("6. invalidate() and clear() detach in-flight verifications", () => {
  for (const how of ["invalidate", "clear"] as const) {
    it(`${how}() during a call: later requests start anew and the old answer is never cached`, async () => {
      const answers = [deferred<Record<string, unknown>>(), deferred<Record<string, unknown>>()];
      let call = 0;
      const unkey = fakeUnkey(() => (answers[call++] as (typeof answers)[0]).promise);
      const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
      const before = verifier.verify(KEY);
      await Promise.resolve();
      if (how === "invalidate") verifier.invalidate(KEY);
      else verifier.clear();
      const after = verifier.verify(KEY);
      await vi.waitFor(() => expect(unkey.count).toBe(2));
      // The pre-revocation answer arrives last: it must not be what the cache keeps.
      answers[1]?.resolve({ valid: false, code: "DISABLED", keyId: "key_1" });
      expect(await after).toMatchObject({ code: "DISABLED" });
      answers[0]?.resolve(validAnswer());
      expect(await before).toMatchObject({ code: "VALID" });
      expect(await verifier.verify(KEY)).toMatchObject({ code: "DISABLED", source: "cache" });
      expect(unkey.count).toBe(2);
    });
  }

  it("an answer to a call detached by invalidate() is not cached even when nothing replaced it", async () => {
    const answer = deferred<Record<string, unknown>>();
    const unkey = fakeUnkey(() => answer.promise);
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    const pending = verifier.verify(KEY);
    await Promise.resolve();
    verifier.invalidate(KEY);
    answer.resolve(validAnswer());
    await pending;
    expect(verifier.cached(KEY)).toBeUndefined();
  });
});

describe("7. a refusal seen on a metered route reaches the cache", () => {
  it("DISABLED on /paid (cost) replaces the VALID entry /plain would serve", async () => {
    let disabled = false;
    const unkey = fakeUnkey(() =>
      disabled ? { valid: false, code: "DISABLED", keyId: "key_1" } : validAnswer(),
    );
    const verifier = createVerifier({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      staleIfErrorMs: 60_000,
      logger: silent,
    });
    expect(await verifier.verify(KEY)).toMatchObject({ code: "VALID" });
    disabled = true;
    expect(await verifier.verify(KEY, { cost: 1 })).toMatchObject({ code: "DISABLED" });
    expect(await verifier.verify(KEY)).toMatchObject({ code: "DISABLED", source: "cache" });
    expect(unkey.count).toBe(2);
  });

  it("FORBIDDEN on a route with ratelimits drops the VALID entry", async () => {
    let forbidden = false;
    const unkey = fakeUnkey(() =>
      forbidden ? { valid: false, code: "FORBIDDEN", keyId: "key_1" } : validAnswer(),
    );
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    await verifier.verify(KEY);
    forbidden = true;
    await verifier.verify(KEY, { ratelimits: [{ name: "requests" }] });
    expect(verifier.cached(KEY)).toBeUndefined();
  });

  it("a flood of one unknown key on a metered route reaches Unkey once per negative TTL", async () => {
    const unkey = fakeUnkey(() => NOT_FOUND_ANSWER);
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    for (let i = 0; i < 50; i++)
      expect(await verifier.verify(KEY, { cost: 1 })).toMatchObject({ code: "NOT_FOUND" });
    expect(unkey.count).toBe(1);
  });

  it("a VALID answer on a metered route clears a cached refusal", async () => {
    let enabled = false;
    const unkey = fakeUnkey(() =>
      enabled ? validAnswer() : { valid: false, code: "DISABLED", keyId: "key_1" },
    );
    const verifier = createVerifier({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      cache: { negativeTtlMs: 60_000 },
    });
    await verifier.verify(KEY);
    enabled = true;
    // The cached DISABLED still answers metered requests until it expires...
    expect(await verifier.verify(KEY, { cost: 1 })).toMatchObject({ code: "DISABLED" });
    verifier.invalidate(KEY);
    expect(await verifier.verify(KEY, { cost: 1 })).toMatchObject({ code: "VALID" });
    // ...and a VALID answer seen there leaves no refusal behind.
    expect(verifier.cached(KEY)).toBeUndefined();
  });

  it("a VALID answer showing credits on a metered route makes /plain charge the key too (attacker review)", async () => {
    let credits: number | undefined;
    const unkey = fakeUnkey(() => validAnswer(credits === undefined ? {} : { credits }));
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    expect(await verifier.verify(KEY)).toMatchObject({ code: "VALID" });
    credits = 5; // the key is given credits while its answer is cached
    expect(await verifier.verify(KEY, { cost: 1 })).toMatchObject({ code: "VALID", credits: 5 });
    // Unkey deducts a credit on every verification of a key with credits: so must /plain now.
    expect(await verifier.verify(KEY)).toMatchObject({ code: "VALID", source: "upstream" });
    expect(await verifier.verify(KEY)).toMatchObject({ source: "upstream" });
    expect(unkey.count).toBe(4);
  });

  it.each([
    [
      "USAGE_EXCEEDED (credits 0)",
      { valid: false, code: "USAGE_EXCEEDED", keyId: "key_1", credits: 0 },
    ],
    [
      "RATE_LIMITED by an auto-applied limit",
      {
        valid: false,
        code: "RATE_LIMITED",
        keyId: "key_1",
        ratelimits: [
          {
            id: "rl_1",
            name: "req",
            limit: 1,
            duration: 60_000,
            remaining: 0,
            reset: T0 + 60_000,
            exceeded: true,
            autoApply: true,
          },
        ],
      },
    ],
  ])(
    "a metered refusal, %s, sends /plain to Unkey again (attacker review)",
    async (_name, answer) => {
      let refused = false;
      const unkey = fakeUnkey(() => (refused ? answer : validAnswer()));
      const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch, logger: silent });
      expect(await verifier.verify(KEY)).toMatchObject({ code: "VALID" });
      refused = true;
      expect(await verifier.verify(KEY, { cost: 5 })).toMatchObject({ code: answer.code });
      // Unkey refuses (or charges) the key now: /plain may no longer serve its cached VALID.
      expect(await verifier.verify(KEY)).toMatchObject({ code: answer.code, source: "upstream" });
      expect(unkey.count).toBe(3);
    },
  );

  it("a VALID answer on a metered route with fewer permissions drops /plain's entry", async () => {
    let permissions = ["docs.read", "admin"];
    const unkey = fakeUnkey(() => validAnswer({ permissions }));
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    expect(await verifier.verify(KEY, { permissions: "admin" })).toMatchObject({ code: "VALID" });
    permissions = ["docs.read"];
    await verifier.verify(KEY, { cost: 1 });
    // Asked of Unkey again (which refuses `admin` now), never answered from the old set.
    expect(await verifier.verify(KEY, { permissions: "admin" })).toMatchObject({
      source: "upstream",
      permissions: ["docs.read"],
    });
  });
});

describe("8. the permission query's length is checked on what is sent", () => {
  it("a builder query whose printed form exceeds 1,000 characters is refused at start-up", () => {
    const names = Array.from({ length: 60 }, (_, i) => `perm.${String(i).padStart(10, "0")}`);
    const tree = and(...names.map((name) => and(name)));
    const guard = createGuard({ rootKey: ROOT_KEY });
    const error = configError(() => guard.route({ permissions: tree }));
    expect(error.option).toBe("permissions");
    expect(error.message).toMatch(/\d{4} characters.*Unkey accepts at most 1000/);
  });

  it("a 967-character query as written is sent as written, never re-printed longer", async () => {
    const written = Array.from({ length: 44 }, (_, i) => `p${String(i).padStart(3, "0")}.read`)
      .map((p) => `(${p})`)
      .join(" or ");
    expect(written.length).toBeLessThanOrEqual(1000);
    const unkey = fakeUnkey(() => validAnswer());
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch, cache: false });
    await verifier.verify(KEY, { permissions: written });
    expect(unkey.calls[0]?.body.permissions).toBe(written);
  });
});

describe("9. route options outside Unkey's bounds fail at start-up", () => {
  const guard = () => createGuard({ rootKey: ROOT_KEY });
  it.each([
    ["ratelimits[0].name", { ratelimits: [{ name: "rl" }] }, /3 to 255 characters/],
    ["ratelimits[0].name", { ratelimits: [{ name: "r".repeat(256) }] }, /3 to 255/],
    ["tags", { tags: Array.from({ length: 21 }, () => "t") }, /at most 20/],
    ["tags", { tags: ["x".repeat(513)] }, /up to 512/],
    ["tags", { tags: [""] }, /non-empty/],
    ["cost", { cost: 1e12 + 1 }, /0 to 1000000000000/],
    ["ratelimits[0].duration", { ratelimits: [{ name: "requests", limit: 5 }] }, /go together/],
    ["ratelimits[0].limit", { ratelimits: [{ name: "requests", duration: 1000 }] }, /go together/],
    ["ratelimits[0].limit", { ratelimits: [{ name: "requests", limit: -1, duration: 1 }] }, /≥ 0/],
    // Unkey skips every rate limit of the request for these (attacker review, item 3).
    [
      "ratelimits[0].limit",
      { ratelimits: [{ name: "burst", limit: 0, duration: 1000 }] },
      /at least 1/,
    ],
    [
      "ratelimits[0].duration",
      { ratelimits: [{ name: "burst", limit: 5, duration: 500 }] },
      /at least 1000/,
    ],
  ])("refuses %s", (option, route, message) => {
    const error = configError(() => guard().route(route, "route GET /x: "));
    expect(error.option).toBe(`route GET /x: ${option}`);
    expect(error.message).toMatch(message);
  });

  it("accepts what Unkey accepts: 512-character tags, a 3-character limit name, cost 1e12", () => {
    expect(() =>
      guard().route({
        tags: ["x".repeat(512)],
        cost: 1e12,
        ratelimits: [{ name: "abc", limit: 10, duration: 60_000 }],
      }),
    ).not.toThrow();
  });
});

describe("10. Unkey's own 429 never switches the guard open", () => {
  it("fail-open answers 503 with Unkey's Retry-After, clamped to an hour", () => {
    const error = new VerifierError("VERIFIER_UNAVAILABLE", "Unkey answered HTTP 429.", {
      status: 429,
      retryAfterSeconds: 1e9,
    });
    const decision = fromFailure(error, { failureMode: "open" });
    expect(decision).toMatchObject({ allowed: false, status: 503, code: "VERIFIER_UNAVAILABLE" });
    expect(decision.allowed ? undefined : decision.headers["retry-after"]).toBe("3600");
  });

  it("a 5xx still fails open when asked to", () => {
    const error = new VerifierError("VERIFIER_UNAVAILABLE", "down", { status: 503 });
    expect(fromFailure(error, { failureMode: "open" }).allowed).toBe(true);
  });

  it("end to end: a 429 with Retry-After: 1e9 from Unkey is a 503 with Retry-After: 3600", async () => {
    const unkey = fakeUnkey(
      () =>
        new Response(JSON.stringify({ error: { title: "Too Many Requests" } }), {
          status: 429,
          headers: { "content-type": "application/json", "retry-after": "1000000000" },
        }),
    );
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch, failureMode: "open" });
    const decision = await guard.check({ headers: { authorization: `Bearer ${KEY}` } });
    expect(decision).toMatchObject({ allowed: false, status: 503 });
    expect(decision.allowed ? undefined : decision.headers["retry-after"]).toBe("3600");
  });
});

describe("10b. a failure while Unkey answers other calls never fails open (attacker review)", () => {
  it("a timeout amid answered calls is a 503; once nothing has answered for timeoutMs, fail-open applies", async () => {
    const unkey = fakeUnkey((body) =>
      body.key === "sk_answered" ? validAnswer() : new Response("slow", { status: 503 }),
    );
    const guard = createGuard({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      failureMode: "open",
      cache: false,
      timeoutMs: 2000,
    });
    const asKey = (key: string) => guard.check({ headers: { "x-api-key": key } });
    expect((await asKey("sk_answered")).allowed).toBe(true);
    vi.setSystemTime(T0 + 1000);
    expect(await asKey("sk_random_flood_1")).toMatchObject({ allowed: false, status: 503 });
    vi.setSystemTime(T0 + 2001);
    expect(await asKey("sk_random_flood_2")).toMatchObject({
      allowed: true,
      context: { source: "fail-open" },
    });
  });
});

describe("11. a root key that may not verify the keys is reported once", () => {
  it("warns once after 100 NOT_FOUND in a row with no valid key, with no key material", async () => {
    const warnings: string[] = [];
    const unkey = fakeUnkey(() => NOT_FOUND_ANSWER);
    const verifier = createVerifier({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      cache: false,
      logger: { warn: (m) => warnings.push(m), error() {} },
    });
    for (let i = 0; i < 99; i++) await verifier.verify(`sk_unknown_${i}`);
    expect(warnings).toHaveLength(0);
    for (let i = 99; i < 300; i++) await verifier.verify(`sk_unknown_${i}`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("api.*.verify_key");
    expect(warnings[0]).not.toMatch(/sk_unknown|unkey_root/);
  });

  it("stays silent once any key was valid", async () => {
    const warnings: string[] = [];
    let first = true;
    const unkey = fakeUnkey(() => {
      const answer = first ? validAnswer() : NOT_FOUND_ANSWER;
      first = false;
      return answer;
    });
    const verifier = createVerifier({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      cache: false,
      logger: { warn: (m) => warnings.push(m), error() {} },
    });
    for (let i = 0; i < 150; i++) await verifier.verify(`sk_unknown_${i}`);
    expect(warnings).toHaveLength(0);
  });
});

describe("12. cookies", () => {
  const source = [{ cookie: "k" }];
  it("two cookies of the key's name are DUPLICATE_KEY (cookie tossing)", () => {
    expect(extractKey({ headers: { cookie: "k=sk_a; k=sk_b" } }, source)).toEqual({
      ok: false,
      code: "DUPLICATE_KEY",
    });
    expect(extractKey({ headers: new Headers({ cookie: "k=sk_a; x=1; k=sk_a" }) }, source)).toEqual(
      { ok: false, code: "DUPLICATE_KEY" },
    );
  });

  it("a quoted cookie value is unquoted (RFC 6265 §4.1.1)", () => {
    expect(extractKey({ headers: { cookie: 'k="sk_quoted"' } }, source)).toEqual({
      ok: true,
      key: "sk_quoted",
    });
  });
});

describe("13. 401s describe the configured sources", () => {
  const noKey = { headers: {}, url: "/x" };
  it("a query source: the detail names it and no WWW-Authenticate is sent", async () => {
    const guard = createGuard({ rootKey: ROOT_KEY, keySources: [{ query: "api_key" }] });
    const decision = await guard.check(noKey);
    expect(decision).toMatchObject({ allowed: false, status: 401, code: "MISSING_KEY" });
    if (decision.allowed) return;
    expect(decision.body.detail).toContain("the `api_key` query parameter");
    expect(decision.body.detail).not.toContain("Bearer");
    expect(decision.headers["www-authenticate"]).toBeUndefined();
  });

  it("a cookie and a custom header: both named, no challenge", async () => {
    const guard = createGuard({
      rootKey: ROOT_KEY,
      keySources: [{ header: "x-token" }, { cookie: "session" }],
    });
    const decision = await guard.check({ headers: { "x-token": "a\u0001b" } });
    expect(decision).toMatchObject({ status: 401, code: "MALFORMED_KEY" });
    if (decision.allowed) return;
    expect(decision.body.detail).toContain("`x-token: <key>` or the `session` cookie");
    expect(decision.headers["www-authenticate"]).toBeUndefined();
  });

  it("an Authorization source with another scheme challenges with that scheme", async () => {
    const guard = createGuard({
      rootKey: ROOT_KEY,
      keySources: [{ header: "authorization", scheme: "Token" }],
    });
    const decision = await guard.check({ headers: {} });
    expect(decision.allowed ? undefined : decision.headers["www-authenticate"]).toBe(
      'Token realm="api"',
    );
  });

  it("the defaults keep the Bearer challenge and wording", async () => {
    const guard = createGuard({ rootKey: ROOT_KEY });
    const decision = await guard.check({ headers: {} });
    expect(decision.allowed ? undefined : decision.headers["www-authenticate"]).toBe(
      'Bearer realm="api"',
    );
    expect(decision.allowed ? undefined : decision.body.detail).toContain("Authorization: Bearer");
  });
});

describe("14. an answer computed locally carries no Unkey requestId", () => {
  it("a 403 from the cache has no requestId and says source: cache", async () => {
    const unkey = fakeUnkey(() => validAnswer({ permissions: ["docs.read"] }));
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    const headers = { authorization: `Bearer ${KEY}` };
    const first = await guard.check({ headers });
    expect(first.allowed && first.result?.requestId).toBe("req_1");
    const denied = await guard.check({ headers }, guard.route({ permissions: "admin" }));
    expect(denied).toMatchObject({ allowed: false, status: 403 });
    if (denied.allowed) return;
    expect(denied.body.requestId).toBeUndefined();
    expect(denied.result?.source).toBe("cache");
    expect(unkey.count).toBe(1);
  });

  it("a cached NOT_FOUND has no requestId", async () => {
    const unkey = fakeUnkey(() => NOT_FOUND_ANSWER);
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    expect((await verifier.verify(KEY)).requestId).toBe("req_1");
    const again = await verifier.verify(KEY);
    expect(again).toMatchObject({ source: "cache" });
    expect(again.requestId).toBeUndefined();
  });
});

describe("15. the transport stops reading an oversized answer at the cap", () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("a 200 streaming 50 MB is refused after about 1 MB, well before the end", async () => {
    vi.useRealTimers();
    let written = 0;
    let aborted = false;
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve;
    });
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => {
        aborted = written < 50 * 1024 * 1024;
        closed();
      });
      pump();
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const verifier = createVerifier({
      rootKey: ROOT_KEY,
      baseUrl: `http://127.0.0.1:${port}`,
      cache: false,
      timeoutMs: 10_000,
    });
    const error = await verifier.verify(KEY).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VerifierError);
    expect((error as VerifierError).message).toMatch(/over 1000000 bytes/);
    await serverSawClose; // the event itself, however long a busy machine takes to deliver it
    expect(aborted).toBe(true);
    expect(written).toBeLessThan(20 * 1024 * 1024);
  });

  it("a declared Content-Length over the cap is not read at all", async () => {
    const unkey = fakeUnkey(
      () =>
        new Response("x".repeat(10), {
          status: 200,
          headers: { "content-type": "application/json", "content-length": "5000000" },
        }),
    );
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch, cache: false });
    await expect(verifier.verify(KEY)).rejects.toThrow(/over 1000000 bytes/);
  });
});

describe("16. only a real CORS preflight passes unguarded, with no context", () => {
  const guard = () => createGuard({ rootKey: ROOT_KEY });
  it("OPTIONS with Origin and Access-Control-Request-Method passes with no context", async () => {
    const decision = await guard().check({
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET" },
    });
    expect(decision).toMatchObject({ allowed: true, context: undefined });
  });

  it("without Origin it is guarded", async () => {
    const decision = await guard().check({
      method: "OPTIONS",
      headers: { "access-control-request-method": "GET" },
    });
    expect(decision).toMatchObject({ allowed: false, code: "MISSING_KEY" });
  });
});

describe("fail-open never lets a metered route through unbilled (attacker review)", () => {
  it("a route with a cost answers 503 during an outage under fail-open; a plain route passes", async () => {
    const unkey = fakeUnkey(() => new Response("down", { status: 503 }));
    const guard = createGuard({ rootKey: ROOT_KEY, fetch: unkey.fetch, failureMode: "open" });
    const request = { headers: { "x-api-key": KEY } };
    expect(await guard.check(request, guard.route({ cost: 1 }))).toMatchObject({
      allowed: false,
      status: 503,
    });
    expect(
      await guard.check(request, guard.route({ ratelimits: [{ name: "requests" }] })),
    ).toMatchObject({ allowed: false, status: 503 });
    expect(await guard.check(request)).toMatchObject({ allowed: true });
  });
});

describe("an outage is logged, with the URL called, at most every 30 s (new-user review)", () => {
  it("logs once for a burst of failures, never the key or root key, and again after 30 s", async () => {
    const warnings: string[] = [];
    const unkey = fakeUnkey(() => new Response("down", { status: 503 }));
    const verifier = createVerifier({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      cache: false,
      logger: { warn: (m) => warnings.push(m), error() {} },
    });
    for (let i = 0; i < 5; i++) await verifier.verify(KEY).catch(() => undefined);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("https://api.unkey.com/v2/keys.verifyKey");
    expect(warnings[0]).not.toContain(KEY);
    expect(warnings[0]).not.toContain(ROOT_KEY);
    vi.setSystemTime(T0 + 30_000);
    await verifier.verify(KEY).catch(() => undefined);
    expect(warnings).toHaveLength(2);
  });
});

describe("a baseUrl with credentials (issue 28 review)", () => {
  it("sends them, but logs, options and errors show the URL without them", async () => {
    const warnings: string[] = [];
    const logger = {
      warn: (m: string) => warnings.push(m),
      error: (m: string) => warnings.push(m),
    };
    const unkey = fakeUnkey(() => new Response("down", { status: 503 }));
    const baseUrl = "https://gateway:s3cr3t-token@unkey.example.com";
    const verifier = createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch, baseUrl, logger });
    const limiter = createRatelimiter({
      rootKey: ROOT_KEY,
      fetch: unkey.fetch,
      baseUrl,
      logger,
      namespace: "creds",
      limit: 1,
      duration: 60_000,
    });
    const errors = [
      await verifier.verify(KEY).catch((e: unknown) => e),
      await limiter.limit("a").catch((e: unknown) => e),
    ];
    expect(unkey.calls[0]?.url).toBe(
      "https://gateway:s3cr3t-token@unkey.example.com/v2/keys.verifyKey",
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("https://unkey.example.com/v2/keys.verifyKey");
    expect(warnings[1]).toContain("https://unkey.example.com/v2/ratelimit.limit");
    expect(verifier.options.verifyUrl).toBe("https://unkey.example.com/v2/keys.verifyKey");
    const shown = JSON.stringify({
      warnings,
      verifier: verifier.options,
      limiter: limiter.options,
    });
    expect(shown + errors.map((e) => (e as Error).message).join()).not.toContain("s3cr3t");
  });
});

describe("issue 14: every VERIFIER_* denial carries its error", () => {
  it("from a failure, and from authorize() on a fail-open context", () => {
    const fromOutage = fromFailure(new TypeError("socket hang up"));
    expect(fromOutage).toMatchObject({ allowed: false, code: "VERIFIER_UNAVAILABLE" });
    expect(fromOutage.allowed ? undefined : fromOutage.error).toBeInstanceOf(VerifierError);
    const guard = createGuard({ rootKey: ROOT_KEY });
    const context = { keyId: "", roles: [], permissions: [], source: "fail-open" } as const;
    const denied = authorize(context, guard.route({ permissions: "admin" }));
    expect(denied).toMatchObject({ allowed: false, code: "VERIFIER_UNAVAILABLE" });
    expect(denied.allowed ? undefined : denied.error).toBeInstanceOf(VerifierError);
  });
});

describe("a group's limits are checked name by name, as every option (new-user review, round 4)", () => {
  const base = { rootKey: ROOT_KEY, baseUrl: "http://127.0.0.1:9" };
  const limit = { namespace: "api", limit: 5, duration: 60_000 };

  it("createRatelimitGroup: a typo in a limit names it and suggests the field", () => {
    const error = configError(() =>
      createRatelimitGroup({ ...base, limits: [{ ...limit, durration: 1 } as never] }),
    );
    expect(error.option).toBe("limits[0].durration");
    expect(error.message).toMatch(/did you mean `limits\[0\]\.duration`/);
  });

  it("ratelimit({ limits }): `costt` and a bad cost fail at start-up, not at a request", () => {
    const identifier = () => "k";
    const typo = configError(() =>
      createRatelimitGuard({ ...base, limits: [{ ...limit, identifier, costt: 5 } as never] }),
    );
    expect(typo.option).toBe("limits[0].costt");
    const bad = configError(() =>
      createRatelimitGuard({ ...base, limits: [{ ...limit, identifier, cost: -1 }] }),
    );
    expect(bad.option).toBe("limits[0].cost");
  });
});
