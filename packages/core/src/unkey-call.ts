import { KeyguardError, VerifierError } from "./errors";
import type { Answer } from "./http/exchange";
// The Node build swaps this import for ./http/node (see tsup.config.ts): node:http on a keep-alive agent.
import { createPost } from "./http/web";
// The Node build swaps this import for ./telemetry/node: diagnostics_channel publishing.
import { telemetry } from "./telemetry/web";
import { errorSummaryOf, isObject, requestIdOf } from "./unkey-response";

/** Unkey answers are small (a few KB); a larger body is not an answer, and is not read. */
export const MAX_ANSWER_BYTES = 1_000_000;

/** Where and how one Unkey endpoint is called: built once per verifier or rate limiter. */
export interface UnkeyConnection {
  readonly url: string;
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
}

/** One endpoint's caller, which counts its calls. */
export interface UnkeyCall<B, T> {
  (body: B): Promise<T>;
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

function parseJson(response: Answer, raw: string | undefined): unknown {
  const json = (response.header("content-type") ?? "").toLowerCase().includes("json");
  if (!json || raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** The failure for an answer that is not the endpoint's (non-200, or a 200 that does not parse). */
function failureOf(
  response: Answer,
  raw: string | undefined,
  parsed: unknown,
  endpoint: UnkeyEndpoint<unknown>,
): VerifierError {
  const status = response.status;
  const requestId = requestIdOf(parsed);
  const summary = errorSummaryOf(parsed);
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
  if (status === 400 || status === 404 || status === 412 || status === 422) {
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
  const { url, timeoutMs } = connection;
  const post = createPost({
    url,
    authorization: `Bearer ${connection.rootKey}`,
    fetch: connection.fetch,
  });
  let calls = 0;

  async function send(payload: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      calls++;
      try {
        return await post(payload, timeoutMs);
      } catch (error) {
        if (attempt === 0 && neverReachedServer(error)) continue;
        throw new VerifierError(
          "VERIFIER_UNAVAILABLE",
          timedOut(error)
            ? `Unkey did not answer within ${timeoutMs} ms.`
            : sentence(`Unkey could not be reached: ${(error as Error)?.message ?? String(error)}`),
          { cause: error },
        );
      }
    }
  }

  async function exchange(body: B): Promise<T> {
    const response = await send(JSON.stringify(body));
    let raw: string | undefined;
    try {
      raw = await response.read(MAX_ANSWER_BYTES);
    } catch (error) {
      throw new VerifierError(
        "VERIFIER_UNAVAILABLE",
        timedOut(error)
          ? `Unkey did not finish its answer within ${timeoutMs} ms.`
          : "Unkey's answer was cut off.",
        { status: response.status, cause: error },
      );
    }
    const parsed = parseJson(response, raw);
    // `null`, an array or a number is JSON too, and not an answer.
    if (response.status === 200 && isObject(parsed)) {
      const data = parsed.data;
      const result = endpoint.parse(data, requestIdOf(parsed));
      if (result !== undefined) return result;
    }
    throw failureOf(response, raw, parsed, endpoint as UnkeyEndpoint<unknown>);
  }

  /** One upstream call, inside the `keyguard:unkey` tracing channel when anyone listens. */
  const call = (body: B): Promise<T> =>
    telemetry.traceUpstream({ operation: endpoint.operation, url }, async (trace) => {
      const result = await exchange(body).catch(unexpected);
      trace.status = 200;
      Object.assign(trace, endpoint.traceFields?.(result));
      return result;
    });
  return Object.assign(call, { calls: () => calls });
}
