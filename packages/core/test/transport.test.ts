import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromFailure, fromResult } from "../src/decision/decision";
import { createVerifier, type Logger, VerifierError } from "../src/index";
import { ROOT_KEY } from "./fake-unkey";

interface Seen {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/**
 * A local Unkey stand-in on 127.0.0.1:0 that records what it was sent; `hungUp` resolves once
 * a connection it answered (or not) closes without the whole answer sent: the client gave up.
 */
async function serve(handler: Handler) {
  const seen: Seen[] = [];
  let clientLeft!: () => void;
  const hungUp = new Promise<void>((resolve) => {
    clientLeft = resolve;
  });
  const server = createServer((req, res) => {
    res.once("close", () => {
      if (!res.writableFinished) clientLeft();
    });
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
    });
    req.on("end", () => {
      seen.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body: raw ? JSON.parse(raw) : undefined,
      });
      handler(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, seen, hungUp };
}

// A slow Unkey's answer (VALID) is due this long after the request arrives: far past the
// 100 ms timeoutMs the test sets, short of the 2 s default. keyguard arms its deadline before
// sending and both timers share this event loop, so the deadline fires first however busy the
// machine: a missing or wrong deadline reads the late answer, and the test fails.
const LATE_MS = 1_500;

// The half-way stall needs the head of the answer to arrive before the deadline, which it does
// in a millisecond: two seconds leave room for the busiest machine (100 ms did not, once). The
// rest of the body comes after twice that, so that only a deadline on the body's read ends it.
const STALL_DEADLINE_MS = 2_000;

/** Runs `run` `ms` from now, unless the client hangs up first. */
function later(res: ServerResponse, run: () => void, ms = LATE_MS) {
  const timer = setTimeout(run, ms);
  res.once("close", () => clearTimeout(timer));
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const verifyData = (data: Record<string, unknown>) => ({ meta: { requestId: "req_t" }, data });

function verifierFor(baseUrl: string, extra: { timeoutMs?: number; logger?: Logger } = {}) {
  return createVerifier({ rootKey: ROOT_KEY, baseUrl, cache: false, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<VerifierError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VerifierError);
  return error as VerifierError;
}

describe("transport against a real HTTP server", () => {
  it("sends exactly the expected body with the root key as Bearer", async () => {
    const { baseUrl, seen } = await serve((_req, res) =>
      json(res, 200, verifyData({ valid: true, code: "VALID", keyId: "key_1" })),
    );
    const verifier = verifierFor(baseUrl);
    await verifier.verify("sk_1");
    await verifier.verify("sk_2", {
      permissions: "a and (b or c)",
      tags: ["route=/docs"],
      cost: 2,
      ratelimits: [{ name: "requests", cost: 1 }],
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({
      method: "POST",
      url: "/v2/keys.verifyKey",
      authorization: `Bearer ${ROOT_KEY}`,
      contentType: "application/json",
      body: { key: "sk_1" },
    });
    expect(seen[1]?.body).toEqual({
      key: "sk_2",
      // As written: Unkey's operators are case-insensitive (pkg/rbac/lexer.go).
      permissions: "a and (b or c)",
      tags: ["route=/docs"],
      credits: { cost: 2 },
      ratelimits: [{ name: "requests", cost: 1 }],
    });
  });

  it("a valid answer is normalized with its requestId", async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(
        res,
        200,
        verifyData({
          valid: true,
          code: "VALID",
          keyId: "key_1",
          permissions: ["a", 3],
          roles: ["admin"],
          credits: 9,
        }),
      ),
    );
    expect(await verifierFor(baseUrl).verify("sk_1")).toMatchObject({
      valid: true,
      keyId: "key_1",
      permissions: ["a"],
      roles: ["admin"],
      credits: 9,
      requestId: "req_t",
      source: "upstream",
    });
  });

  it("times out a server slower than timeoutMs: its late answer is never read, never sent twice", async () => {
    const { baseUrl, seen } = await serve((_req, res) =>
      later(res, () => json(res, 200, verifyData({ valid: true, code: "VALID", keyId: "key_1" }))),
    );
    const verifier = verifierFor(baseUrl, { timeoutMs: 100 });
    const error = await failure(verifier.verify("sk_1"));
    expect(error.code).toBe("VERIFIER_UNAVAILABLE");
    expect(error.message).toBe("Unkey did not answer within 100 ms.");
    // Never retried after a timeout: a retry could deduct credits twice. (On a busy machine the
    // deadline may pass before the stand-in has read the request: at most one.)
    expect(verifier.stats().upstreamCalls).toBe(1);
    expect(seen.length).toBeLessThanOrEqual(1);
  });

  it("times out an answer whose body stalls half-way", { timeout: 20_000 }, async () => {
    const answer = JSON.stringify(verifyData({ valid: true, code: "VALID", keyId: "key_1" }));
    const { baseUrl, hungUp } = await serve((_req, res) => {
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(answer)),
      });
      res.write(answer.slice(0, 30));
      later(res, () => res.end(answer.slice(30)), 2 * STALL_DEADLINE_MS);
    });
    const verifier = verifierFor(baseUrl, { timeoutMs: STALL_DEADLINE_MS });
    const error = await failure(verifier.verify("sk_1"));
    expect(error.code).toBe("VERIFIER_UNAVAILABLE");
    expect(error.message).toBe(`Unkey did not finish its answer within ${STALL_DEADLINE_MS} ms.`);
    await hungUp; // the exchange was ended, not left open
    expect(verifier.stats().upstreamCalls).toBe(1);
  });

  it("an answer cut off by a closed connection is VERIFIER_UNAVAILABLE at once, never a result", async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
      res.write('{"meta":{"requestId":"req_t"},"data":{"valid":true,', () => res.destroy());
    });
    // A deadline past the test's own timeout: only noticing the cut can end this verification.
    const verifier = verifierFor(baseUrl, { timeoutMs: 60_000 });
    const error = await failure(verifier.verify("sk_1"));
    expect(error.code).toBe("VERIFIER_UNAVAILABLE");
    expect(error.message).toMatch(/^Unkey's answer was cut off\.|^Unkey could not be reached/);
  });

  it("a 200 whose JSON is null, an array or a number is VERIFIER_UNAVAILABLE, never a TypeError", async () => {
    const bodies = ["null", "[]", "42"];
    let next = 0;
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(bodies[next++ % bodies.length]);
    });
    const verifier = verifierFor(baseUrl);
    for (const body of bodies) {
      const error = await failure(verifier.verify("sk_1"));
      expect(error.code, body).toBe("VERIFIER_UNAVAILABLE");
    }
  });

  it("reaches an IPv6 loopback host (a bracketed URL host)", async () => {
    const v6 = createServer((_req, res) =>
      json(res, 200, verifyData({ valid: true, code: "VALID", keyId: "key_6" })),
    );
    servers.push(v6);
    const listening = await new Promise<boolean>((resolve) => {
      v6.once("error", () => resolve(false)); // no IPv6 on this machine: nothing to check
      v6.listen(0, "::1", () => resolve(true));
    });
    if (!listening) return;
    const { port } = v6.address() as AddressInfo;
    const result = await verifierFor(`http://[::1]:${port}`).verify("sk_1");
    expect(result).toMatchObject({ valid: true, keyId: "key_6" });
  });

  it("retries a refused connection once, then reports VERIFIER_UNAVAILABLE", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const verifier = verifierFor(`http://127.0.0.1:${port}`);
    const error = await failure(verifier.verify("sk_1"));
    expect(error.code).toBe("VERIFIER_UNAVAILABLE");
    expect(verifier.stats().upstreamCalls).toBe(2);
    expect(fromFailure(error)).toMatchObject({ allowed: false, status: 503 });
  });

  it.each([500, 502, 503])("HTTP %i → VERIFIER_UNAVAILABLE", async (status) => {
    const { baseUrl } = await serve((_req, res) =>
      json(res, status, {
        meta: { requestId: "req_5xx" },
        error: { title: "oops", detail: "x", status },
      }),
    );
    const error = await failure(verifierFor(baseUrl).verify("sk_1"));
    expect(error.code).toBe("VERIFIER_UNAVAILABLE");
    expect(error.status).toBe(status);
    expect(error.requestId).toBe("req_5xx");
    expect(error.retryAfterSeconds).toBe(1);
  });

  it("quotes Unkey's error detail as one sentence: no doubled full stop (new-user review)", async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(res, 500, {
        meta: { requestId: "req_1" },
        error: { title: "x", detail: "Fault injected by the emulator." },
      }),
    );
    const error = await failure(verifierFor(baseUrl).verify("sk_1"));
    expect(error.message).toBe("Unkey answered HTTP 500: x: Fault injected by the emulator.");
  });

  it("takes Retry-After from Unkey's header", async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(res, 503, { error: { title: "busy" } }, { "retry-after": "7" }),
    );
    const error = await failure(verifierFor(baseUrl).verify("sk_1"));
    expect(error.retryAfterSeconds).toBe(7);
    const decision = fromFailure(error);
    expect(decision.allowed).toBe(false);
    expect(decision.headers["retry-after"]).toBe("7");
  });

  it.each<[string, Handler]>([
    [
      "malformed JSON",
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"meta": {"requestId": "r"}, "data": {"valid": tr');
      },
    ],
    [
      "a truncated body",
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
        res.write('{"meta":{"requestId":"r"},"data":{"valid":true,');
        setTimeout(() => res.destroy(), 10);
      },
    ],
    [
      "the wrong content type",
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(JSON.stringify(verifyData({ valid: true, code: "VALID", keyId: "key_1" })));
      },
    ],
    [
      "valid:true without a keyId",
      (_req, res) => json(res, 200, verifyData({ valid: true, code: "VALID" })),
    ],
    [
      "valid:true with code NOT_FOUND",
      (_req, res) => json(res, 200, verifyData({ valid: true, code: "NOT_FOUND", keyId: "k" })),
    ],
    ["an empty object", (_req, res) => json(res, 200, {})],
  ])("200 with %s → VERIFIER_UNAVAILABLE, never valid", async (_name, handler) => {
    const { baseUrl } = await serve(handler);
    const error = await failure(verifierFor(baseUrl).verify("sk_1"));
    expect(error.code).toBe("VERIFIER_UNAVAILABLE");
  });

  it("an unknown code is UNKNOWN and never valid", async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(res, 200, verifyData({ valid: true, code: "SUPER_VALID", keyId: "key_1" })),
    );
    const result = await verifierFor(baseUrl).verify("sk_1");
    expect(result).toMatchObject({ valid: false, code: "UNKNOWN" });
    const decision = fromResult(result);
    expect(decision.allowed).toBe(false);
    expect(decision.allowed ? 0 : decision.status).toBe(401);
  });

  it.each([401, 403])(
    "HTTP %i → VERIFIER_MISCONFIGURED, logged once across calls",
    async (status) => {
      const { baseUrl, seen } = await serve((_req, res) =>
        json(res, status, {
          meta: { requestId: "req_bad" },
          error: { title: "Unauthorized", detail: "root key invalid", status },
        }),
      );
      const logger = { warn: vi.fn(), error: vi.fn() };
      const verifier = verifierFor(baseUrl, { logger });
      for (let i = 0; i < 3; i++) {
        const error = await failure(verifier.verify(`sk_call_${i}`));
        expect(error.code).toBe("VERIFIER_MISCONFIGURED");
        expect(error.status).toBe(status);
        expect(fromFailure(error, { failureMode: "open" }).allowed).toBe(false);
      }
      expect(seen).toHaveLength(3);
      expect(logger.error).toHaveBeenCalledTimes(1);
      const message = String(logger.error.mock.calls[0]?.[0]);
      expect(message).toContain(String(status));
      expect(message).not.toContain("sk_call_");
      expect(message).not.toContain(ROOT_KEY);
    },
  );
});
