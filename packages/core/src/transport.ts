import { VerifierError } from "./errors";
import type { Answer } from "./http/exchange";
// The Node build swaps this import for ./http/node (see tsup.config.ts): node:http on a keep-alive agent.
import { createPost } from "./http/web";
import type { ResolvedVerifierOptions } from "./options";
// The Node build swaps this import for ./telemetry/node: diagnostics_channel publishing.
import { telemetry } from "./telemetry/web";
import type { RatelimitRequest, VerifyResult } from "./types";
import { errorSummaryOf, parseVerifyData, requestIdOf } from "./unkey-response";

/** The body of `POST /v2/keys.verifyKey`; undefined fields are left out by JSON. */
export interface VerifyKeyBody {
  key: string;
  permissions?: string;
  tags?: readonly string[];
  credits?: { cost: number };
  ratelimits?: readonly RatelimitRequest[];
}

/** Unkey answers are small (a few KB); a larger body is not a verification, and is not read. */
export const MAX_ANSWER_BYTES = 1_000_000;

// A refused connection provably never reached Unkey, so it is the one failure safe to
// retry: a retried verification after a timeout could deduct credits twice.
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

/** A transport that counts its calls; created once per verifier. */
export interface Transport {
  verifyKey(body: VerifyKeyBody): Promise<VerifyResult>;
  readonly calls: () => number;
}

/**
 * Sends `keys.verifyKey` with an explicit timeout and keep-alive connections,
 * at most one retry and only after a refused connection.
 * Resolves with a verification, or rejects with a {@link VerifierError}: every
 * unexpected answer is a failure, never a valid key.
 */
export function createTransport(options: ResolvedVerifierOptions): Transport {
  const { verifyUrl, timeoutMs } = options;
  const post = createPost({
    verifyUrl,
    authorization: `Bearer ${options.rootKey}`,
    fetch: options.fetch,
  });
  let calls = 0;

  async function send(payload: string, signal: AbortSignal): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      calls++;
      try {
        return await post(payload, signal);
      } catch (error) {
        if (attempt === 0 && neverReachedServer(error)) continue;
        const timedOut = (error as { name?: string })?.name === "TimeoutError";
        throw new VerifierError(
          "VERIFIER_UNAVAILABLE",
          timedOut
            ? `Unkey did not answer within ${timeoutMs} ms.`
            : `Unkey could not be reached: ${(error as Error)?.message ?? String(error)}.`,
          { cause: error },
        );
      }
    }
  }

  /** One upstream call, inside the `keyguard:unkey` tracing channel when anyone listens. */
  function verifyKey(body: VerifyKeyBody): Promise<VerifyResult> {
    return telemetry.traceUpstream(
      { operation: "keys.verifyKey", url: verifyUrl },
      async (trace) => {
        const result = await exchange(body);
        trace.status = 200;
        trace.code = result.code;
        trace.requestId = result.requestId;
        return result;
      },
    );
  }

  async function exchange(body: VerifyKeyBody): Promise<VerifyResult> {
    // One deadline for the whole exchange: connecting, the answer and its body.
    const response = await send(JSON.stringify(body), AbortSignal.timeout(timeoutMs));
    let raw: string | undefined;
    try {
      raw = await response.read(MAX_ANSWER_BYTES);
    } catch (error) {
      const timedOut = (error as { name?: string })?.name === "TimeoutError";
      throw new VerifierError(
        "VERIFIER_UNAVAILABLE",
        timedOut
          ? `Unkey did not finish its answer within ${timeoutMs} ms.`
          : "Unkey's answer was cut off.",
        { status: response.status, cause: error },
      );
    }
    let parsed: unknown;
    const json = (response.header("content-type") ?? "").toLowerCase().includes("json");
    if (json && raw !== undefined) {
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
    }
    const requestId = requestIdOf(parsed);
    const status = response.status;
    const summary = errorSummaryOf(parsed);

    if (status === 200) {
      const result =
        parsed === undefined
          ? undefined
          : parseVerifyData((parsed as { data?: unknown }).data, requestId);
      if (result) return result;
      throw new VerifierError(
        "VERIFIER_UNAVAILABLE",
        raw === undefined
          ? `Unkey answered 200 with a body over ${MAX_ANSWER_BYTES} bytes, which is not a verification.`
          : json
            ? "Unkey answered 200 with a body that is not a verification."
            : `Unkey answered 200 with content type ${JSON.stringify(response.header("content-type"))}, not JSON.`,
        { status, requestId },
      );
    }
    if (status === 401 || status === 403) {
      throw new VerifierError(
        "VERIFIER_MISCONFIGURED",
        `Unkey refused the root key (HTTP ${status}${summary ? `: ${summary}` : ""}). Check rootKey / UNKEY_ROOT_KEY and that it may verify keys.`,
        { status, requestId },
      );
    }
    if (status === 400 || status === 404 || status === 412 || status === 422) {
      throw new VerifierError(
        "VERIFIER_MISCONFIGURED",
        `Unkey rejected the verification request (HTTP ${status}${summary ? `: ${summary}` : ""}). Check the route's tags, cost and ratelimits options.`,
        { status, requestId },
      );
    }
    throw new VerifierError(
      "VERIFIER_UNAVAILABLE",
      `Unkey answered HTTP ${status}${summary ? `: ${summary}` : ""}.`,
      { status, requestId, retryAfterSeconds: retryAfter(response) },
    );
  }

  return { verifyKey, calls: () => calls };
}
