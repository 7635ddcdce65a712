import { afterEach, describe, expect, it, vi } from "vitest";
import { createGuard } from "../src/adapter";
import { VerifierError } from "../src/errors";
import { createRatelimiter, createVerifier, KeyguardConfigError } from "../src/index";
import { createPost } from "../src/transport/http/node";
import { CLIENT } from "../src/transport/http/web";
import { createUnkeyCall } from "../src/transport/unkey-call";
import { configError } from "./config-error";

const ROOT = "unkey_3ZbmFvP1zVbYq2e7c9Xw";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("a root key that cannot travel in a header is refused at start-up", () => {
  it.each([
    [
      "a trailing newline (echo > file, kubectl --from-file)",
      `${ROOT}\n`,
      "a line feed",
      "at its end",
    ],
    ["a trailing CRLF", `${ROOT}\r\n`, "a carriage return", `character ${ROOT.length + 1}`],
    [
      "an inner control character",
      `${ROOT.slice(0, 5)}\u0007${ROOT.slice(5)}`,
      "U+0007",
      "character 6",
    ],
    ["a leading space", ` ${ROOT}`, "a space", "at its start"],
    ["a non-ASCII quote pasted from a document", `${ROOT}\u201d`, "U+201D", "at its end"],
  ])("%s", (_name, rootKey, kind, where) => {
    for (const build of [
      () => createVerifier({ rootKey }),
      () => createGuard({ rootKey }),
      () => createRatelimiter({ rootKey, namespace: "login", limit: 1, duration: 60_000 }),
    ]) {
      const error = configError(build);
      expect(error.option).toBe("rootKey");
      expect(error.message).toContain(kind);
      expect(error.message).toContain(where);
      expect(error.message).toContain("trim()");
      expect(error.message).not.toContain(ROOT.slice(6));
    }
  });

  it("says when the key came from UNKEY_ROOT_KEY", () => {
    vi.stubEnv("UNKEY_ROOT_KEY", `${ROOT}\n`);
    const error = configError(() => createVerifier({}));
    expect(error.option).toBe("rootKey");
    expect(error.message).toContain("UNKEY_ROOT_KEY environment variable has a line feed");
    expect(error.message).not.toContain(ROOT);
  });

  it("keeps accepting every printable ASCII root key", () => {
    expect(() => createVerifier({ rootKey: "unkey_!#$%&'*+-.^_`|~" })).not.toThrow();
  });
});

describe("a request the HTTP client refuses to build is a misconfiguration, never an outage", () => {
  const connection = (fetch: typeof globalThis.fetch) => ({
    url: "http://127.0.0.1:9/v2/keys.verifyKey",
    // As if the start-up check were bypassed: the client itself must refuse it (fetch's
    // Headers strips a trailing newline, so the line feed sits inside the key here).
    rootKey: `${ROOT.slice(0, 5)}\n${ROOT.slice(5)}`,
    timeoutMs: 1000,
    fetch,
  });
  const endpoint = {
    operation: "keys.verifyKey",
    parse: () => undefined,
    answer: "a verification",
    noun: "verification",
    right: "verify keys",
    requestHint: "",
  };

  it("the default client: a start-up error (fetch) or VERIFIER_MISCONFIGURED (node:http), never the header", async () => {
    let error: unknown;
    try {
      error = await createUnkeyCall(connection(globalThis.fetch), endpoint)({}).catch((e) => e);
    } catch (thrown) {
      error = thrown;
    }
    if ((CLIENT as string) === "node:http") {
      expect(error).toBeInstanceOf(VerifierError);
      expect(error).toMatchObject({ code: "VERIFIER_MISCONFIGURED" });
      expect((error as Error).message).toContain("ERR_INVALID_CHAR");
    } else expect(error).toBeInstanceOf(KeyguardConfigError);
    expect((error as Error).message).not.toContain(ROOT);
  });

  it("node:http refuses the request before any I/O, as a RequestBuildError", async () => {
    const post = createPost({ url: connection(fetch).url, authorization: "Bearer a\nb", fetch });
    await expect(post("{}", 1000)).rejects.toMatchObject({
      name: "RequestBuildError",
      code: "ERR_INVALID_CHAR",
    });
  });

  it("fetch: a header the runtime's Headers refuses is a start-up error", () => {
    const custom: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init);
    const error = configError(() => createUnkeyCall(connection(custom), endpoint));
    expect(error).toBeInstanceOf(KeyguardConfigError);
    expect(error.message).not.toContain(ROOT);
  });

  it("never copies a transport's message (it may quote the Authorization header)", async () => {
    const leaky: typeof globalThis.fetch = async () => {
      throw new TypeError(`Headers.append: "Bearer ${ROOT}" is an invalid header value.`);
    };
    const verifier = createVerifier({ rootKey: ROOT, fetch: leaky, baseUrl: "http://127.0.0.1:9" });
    const error = await verifier.verify("sk_anything").catch((e: unknown) => e);
    // A custom fetch failing with no network error code is configuration, not an outage.
    expect(error).toMatchObject({ code: "VERIFIER_MISCONFIGURED" });
    expect((error as Error).message).toBe(
      "The fetch option failed without a network error (TypeError). Check the fetch function you passed.",
    );
    expect((error as Error).cause).toBeUndefined();
  });

  it("names a network failure by its code only", async () => {
    const refused: typeof globalThis.fetch = async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error(`connect ECONNRESET (${ROOT})`), { code: "ECONNRESET" }),
      });
    };
    const verifier = createVerifier({
      rootKey: ROOT,
      fetch: refused,
      baseUrl: "http://127.0.0.1:9",
    });
    const error = await verifier.verify("sk_anything").catch((e: unknown) => e);
    expect((error as Error).message).toBe("Unkey could not be reached (ECONNRESET).");
  });
});

describe("an answer that echoes the request back is never quoted with the root key", () => {
  // Attacker review, round 4: an app or gateway at a wrong baseUrl answering 401 with the
  // Authorization header in its error detail put the root key in the log and the error.
  const echo = (status: number, envelope: boolean): typeof globalThis.fetch =>
    (async (_input: RequestInfo | URL, init?: RequestInit) => {
      const authorization = new Headers(init?.headers).get("authorization");
      const error = { title: "Unauthorized", detail: `invalid credentials: ${authorization}` };
      const body = envelope ? { meta: { requestId: "req_echo" }, error } : { error };
      return new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json" },
      });
    }) as typeof globalThis.fetch;

  it.each([
    [401, false],
    [403, true],
    [400, false],
    [422, true],
    [500, true],
  ])(
    "HTTP %i (Unkey's envelope: %s): the message, the log and the guard's 500 show no part of it",
    async (status, envelope) => {
      const logged: string[] = [];
      const logger = { warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
      const guard = createGuard({
        rootKey: ROOT,
        fetch: echo(status, envelope),
        baseUrl: "http://127.0.0.1:9",
        logger,
      });
      const decision = await guard.check({
        method: "GET",
        headers: { authorization: "Bearer sk_anything" },
      });
      const seen = JSON.stringify([
        decision,
        logged,
        decision.allowed ? "" : decision.error?.message,
      ]);
      expect(decision.allowed).toBe(false);
      expect(seen).not.toContain(ROOT.slice(0, 8));
      expect(logged.length).toBeGreaterThan(0);
    },
  );
});
