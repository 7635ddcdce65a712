import { KeyguardConfigError, KeyguardError, VerifierError } from "../errors";
// The Node build swaps this import for ../telemetry/node: diagnostics_channel publishing.
import { telemetry } from "../telemetry/web";
import { type Answer, RequestBuildError } from "./http/exchange";
// The Node build swaps this import for ./http/node (see tsup.config.ts): node:http on a keep-alive agent.
import { createPost } from "./http/web";
import { errorSummaryOf, isObject, requestIdOf } from "./unkey-response";

/** Unkey answers are small (a few KB); a larger body is not an answer, and is not read. */
export const MAX_ANSWER_BYTES = 1_000_000;

/** Where and how one Unkey endpoint is called: built once per verifier or rate limiter. */
export interface UnkeyConnection {
  readonly url: string;
  /** `url` as logs and telemetry show it (no credentials); `url` itself when absent. */
  readonly displayUrl?: string;
  readonly rootKey: string;
  readonly timeoutMs: number;
  readonly fetch: typeof globalThis.fetch;
}

/** What differs between endpoints: the operation, how its `data` is read, how errors are worded. */
export interface UnkeyEndpoint<T> {
  /** Unkey's operation name, for telemetry (`keys.verifyKey`, `ratelimit.limit`). */
  readonly operation: string;
  /** Reads the `data` of a 200 answer; `undefined` when it is not an answer at all. */
  parse(data: unknown, requestId: string | undefined): T | undefined;
  /** What a 200 answer should have been, for messages: "a verification". */
  readonly answer: string;
  /** What the request is called in messages: "verification". */
  readonly noun: string;
  /** What the root key must be allowed to do, for a 401/403 message: "verify keys". */
  readonly right: string;
  /** What to check when Unkey refuses the request itself (400/404/412/422). */
  readonly requestHint: string;
  /** Telemetry fields of a parsed answer (`code`), besides status and requestId. */
  traceFields?(result: T): Record<string, unknown>;
  /**
   * An error answer that is this request's answer rather than a failure (keys.verifyKey's
   * 412 for a key lacking a named rate limit), or `undefined`.
   */
  refusal?(
    status: number,
    body: unknown,
    requestId: string | undefined,
    sent: unknown,
  ): T | undefined;
}

/** One endpoint's caller, which counts its calls. */
export interface UnkeyCall<B, T> {
  /** Calls Unkey; `timeoutMs` shortens the connection's deadline for this call (a budget partly spent). */
  (body: B, timeoutMs?: number): Promise<T>;
  readonly calls: () => number;
}

/** Ends a message with one full stop (Unkey's and Node's own messages may end with one). */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

// A refused connection provably never reached Unkey, so it is the one failure safe to
// retry: a retried verification after a timeout could deduct credits twice (and a
// retried ratelimit.limit would count the request twice).
function neverReachedServer(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ECONNREFUSED") return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function retryAfter(response: Answer): number | undefined {
  const value = response.header("retry-after");
  const seconds = value === undefined ? Number.NaN : Number(value);
  // VerifierError clamps it to MAX_RETRY_AFTER_SECONDS.
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

const timedOut = (error: unknown) => (error as { name?: string })?.name === "TimeoutError";

/** The first error code down the cause chain that names a network failure (`ECONNRESET`, `UND_ERR_SOCKET`). */
function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The failure of a request that got no answer. Never quotes the client's message: some
 * (undici's header validation among them) quote header values, and `Authorization` holds
 * the root key; only a client's error code is kept. A request the client refused to build
 * is a misconfiguration (500, never fail-open), not an outage.
 */
function unsent(error: unknown, timeoutMs: number, customFetch: boolean): VerifierError {
  if (error instanceof RequestBuildError)
    return new VerifierError(
      "VERIFIER_MISCONFIGURED",
      `${error.message} Check rootKey / UNKEY_ROOT_KEY, baseUrl and the fetch option.`,
    );
  if (timedOut(error))
    return new VerifierError(
      "VERIFIER_UNAVAILABLE",
      `Unkey did not answer within ${timeoutMs} ms.`,
    );
  const code = networkCode(error);
  // The `fetch` option is configuration: a failure of it that names no network error (a
  // wrapper that builds a header its runtime refuses, a bug) is never taken for an outage.
  if (code === undefined && customFetch) {
    const name = (error as { name?: unknown } | undefined)?.name;
    const named = typeof name === "string" && /^\w{1,40}$/.test(name) ? ` (${name})` : "";
    return new VerifierError(
      "VERIFIER_MISCONFIGURED",
      `The fetch option failed without a network error${named}. Check the fetch function you passed.`,
    );
  }
  // Only the client's error code is kept: its message or cause may quote a header.
  return new VerifierError(
    "VERIFIER_UNAVAILABLE",
    `Unkey could not be reached${code === undefined ? "" : ` (${code})`}.`,
  );
}

/**
 * When Unkey last answered any call of this process, by `fetch` and origin: a failure within a
 * timeout of that is the failed call's own (one stalled connection, local overload), not an
 * outage, whichever client (verifier, rate limiter) saw the answer. Keyed by `fetch` too: an
 * answer through one client (a proxy, a test double) says nothing of the path of another.
 */
const answeredAt = /* @__PURE__ */ new WeakMap<typeof globalThis.fetch, Map<string, number>>();

function answerClock(fetchImpl: typeof globalThis.fetch): Map<string, number> {
  let clock = answeredAt.get(fetchImpl);
  if (clock === undefined) {
    clock = new Map();
    answeredAt.set(fetchImpl, clock);
  }
  return clock;
}

function parseJson(response: Answer, raw: string | undefined): unknown {
  const json = (response.header("content-type") ?? "").toLowerCase().includes("json");
  if (!json || raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * What of an error answer's own words may be quoted in a message or a log line: only Unkey's
 * envelope (a request id) is quoted, since an app or a gateway at a wrong `baseUrl` may echo
 * the request's headers back; and never anything holding a part of the root key.
 */
function quotable(summary: string | undefined, rootKey: string): string | undefined {
  if (summary === undefined) return undefined;
  const probe = rootKey.slice(0, Math.min(rootKey.length, 8));
  return summary.includes(probe) ? "(its message held the root key: not shown)" : summary;
}

/** The failure for an answer that is not the endpoint's (non-200, or a 200 that does not parse). */
function failureOf(
  response: Answer,
  raw: string | undefined,
  parsed: unknown,
  endpoint: UnkeyEndpoint<unknown>,
  rootKey: string,
): VerifierError {
  const status = response.status;
  const requestId = requestIdOf(parsed);
  const summary = quotable(requestId === undefined ? undefined : errorSummaryOf(parsed), rootKey);
  const said = summary ? `: ${summary}` : "";
  if (status === 200) {
    const json = (response.header("content-type") ?? "").toLowerCase().includes("json");
    const why =
      raw === undefined
        ? `a body over ${MAX_ANSWER_BYTES} bytes, which is not ${endpoint.answer}`
        : json
          ? `a body that is not ${endpoint.answer}`
          : `content type ${JSON.stringify(response.header("content-type"))}, not JSON`;
    return new VerifierError("VERIFIER_UNAVAILABLE", `Unkey answered 200 with ${why}.`, {
      status,
      requestId,
    });
  }
  if (status === 401 || status === 403) {
    const message = `Unkey refused the root key (HTTP ${status}${said}). Check rootKey / UNKEY_ROOT_KEY and that it may ${endpoint.right}.`;
    return new VerifierError("VERIFIER_MISCONFIGURED", message, { status, requestId });
  }
  // 410: a namespace deleted at Unkey (v2_ratelimit_limit/handler.go), every call refused until restored.
  if (status === 400 || status === 404 || status === 410 || status === 412 || status === 422) {
    const message = `Unkey rejected the ${endpoint.noun} request (HTTP ${status}${said}). ${endpoint.requestHint}`;
    return new VerifierError("VERIFIER_MISCONFIGURED", message, { status, requestId });
  }
  return new VerifierError(
    "VERIFIER_UNAVAILABLE",
    sentence(`Unkey answered HTTP ${status}${said}`),
    {
      status,
      requestId,
      retryAfterSeconds: retryAfter(response),
      // Unkey's own error envelope (a request id): Unkey is up and answered this call with an
      // error of its own (a ban override of limit 0 answers 500, ratelimit.go:126), which is no
      // outage, so never a reason to fail open or serve stale. Gateways' pages carry none.
      unkeyAnswering: requestId !== undefined,
    },
  );
}

/**
 * Anything but a KeyguardError out of an exchange is a bug meeting an answer nobody foresaw:
 * still a VerifierError (503), so that it is logged, and never taken for an outage by
 * fail-open while Unkey answers other calls.
 */
function unexpected(error: unknown): never {
  if (error instanceof KeyguardError) throw error;
  throw new VerifierError("VERIFIER_UNAVAILABLE", "Unkey's answer could not be read.", {
    cause: error,
  });
}

/**
 * Builds the caller of one Unkey endpoint, shared by the verifier and the rate
 * limiter: an explicit timeout over the whole exchange, keep-alive connections,
 * at most one retry and only after a refused connection, a capped answer, and
 * every unexpected answer turned into a {@link VerifierError}, never a result.
 */
export function createUnkeyCall<B, T>(
  connection: UnkeyConnection,
  endpoint: UnkeyEndpoint<T>,
): UnkeyCall<B, T> {
  const url = connection.displayUrl ?? connection.url;
  const origin = new URL(connection.url).origin;
  const post = postFor(connection);
  const customFetch = connection.fetch !== globalThis.fetch;
  let calls = 0;
  const clock = answerClock(connection.fetch);
  const answered = () => clock.set(origin, Date.now());

  async function send(payload: string, timeoutMs: number): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      calls++;
      try {
        return await post(payload, timeoutMs);
      } catch (error) {
        if (attempt === 0 && neverReachedServer(error)) continue;
        throw unsent(error, timeoutMs, customFetch);
      }
    }
  }

  async function exchange(body: B, timeoutMs: number): Promise<T> {
    const response = await send(JSON.stringify(body), timeoutMs);
    const raw = await readBody(response, timeoutMs);
    const result = interpret(response, raw, body, endpoint, connection.rootKey);
    answered();
    return result;
  }

  /** Marks a failure that happened while Unkey answered other calls (within the timeout). */
  function seenNow(error: unknown): never {
    const last = clock.get(origin) ?? Number.NEGATIVE_INFINITY;
    const answering = Date.now() - last <= connection.timeoutMs;
    if (!answering || !(error instanceof VerifierError) || error.unkeyAnswering) throw error;
    throw error.whileAnswering();
  }

  /** One upstream call, inside the `keyguard:unkey` tracing channel when anyone listens. */
  const call = (body: B, timeoutMs = connection.timeoutMs): Promise<T> =>
    telemetry.traceUpstream({ operation: endpoint.operation, url }, async (trace) => {
      const result = await exchange(body, timeoutMs).catch(unexpected).catch(seenNow);
      trace.status = 200;
      Object.assign(trace, endpoint.traceFields?.(result));
      return result;
    });
  return Object.assign(call, { calls: () => calls });
}

/** The answer's body, read within the size cap; a body cut off or late is a failure. */
async function readBody(response: Answer, timeoutMs: number): Promise<string | undefined> {
  try {
    return await response.read(MAX_ANSWER_BYTES);
  } catch (error) {
    throw new VerifierError(
      "VERIFIER_UNAVAILABLE",
      timedOut(error)
        ? `Unkey did not finish its answer within ${timeoutMs} ms.`
        : "Unkey's answer was cut off.",
      // No `cause`: the client's error may hold the request, Authorization header included.
      { status: response.status },
    );
  }
}

/** What an answer says: the endpoint's result, or its refusal; a failure is thrown. */
function interpret<B, T>(
  response: Answer,
  raw: string | undefined,
  body: B,
  endpoint: UnkeyEndpoint<T>,
  rootKey: string,
): T {
  const parsed = parseJson(response, raw);
  // `null`, an array or a number is JSON too, and not an answer.
  if (response.status === 200 && isObject(parsed)) {
    const result = endpoint.parse(parsed.data, requestIdOf(parsed));
    if (result !== undefined) return result;
  }
  const refused = endpoint.refusal?.(response.status, parsed, requestIdOf(parsed), body);
  if (refused !== undefined) return refused;
  throw failureOf(response, raw, parsed, endpoint as UnkeyEndpoint<unknown>, rootKey);
}

/** The connection's HTTP client, built once; a header the client refuses is a start-up error. */
function postFor(connection: UnkeyConnection) {
  try {
    return createPost({
      url: connection.url,
      authorization: `Bearer ${connection.rootKey}`,
      fetch: connection.fetch,
    });
  } catch (error) {
    if (!(error instanceof RequestBuildError)) throw error;
    throw new KeyguardConfigError(
      "rootKey",
      `${error.message} The Authorization header made of the root key was refused; check rootKey / UNKEY_ROOT_KEY.`,
    );
  }
}
