// What an injected fault answers in place of the operation.
import { CODES } from "./codes";
import { JSON_TYPE, problemContentType } from "./content-negotiation";
import { ApiError } from "./errors";
import type { Fault } from "./fault";

/** A complete replacement answer. */
export interface FaultAnswer {
  status: number;
  body: string;
  contentType: string;
  headers: Record<string, string>;
}

const MINUTE_MS = 60_000;

// svc/api/internal/middleware/authentication.go lines 113-128: the workspace
// limit is per minute; a refusal carries the seconds to the window's end
// (truncated, never negative) as RateLimit-Reset and Retry-After, with
// RateLimit-Limit and RateLimit-Remaining. The emulator has no workspace limit
// of its own, so it reports the refusal of a limit of 0 left.
function workspaceLimitHeaders(now: number): Record<string, string> {
  const reset = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const seconds = String(Math.max(Math.trunc((reset - now) / 1000), 0));
  return {
    "ratelimit-remaining": "0",
    "ratelimit-reset": seconds,
    "retry-after": seconds,
  };
}

function envelope(requestId: string, error: ApiError): string {
  return JSON.stringify({ meta: { requestId }, error: error.toBody() });
}

/**
 * The answer of a replacing fault (`status`, `body` or `contentType` set). With
 * no `body` it is Unkey's error envelope, negotiated like Unkey's errors; a
 * 429 is then Unkey's workspace rate limit refusal, with its `Retry-After`.
 */
export function faultAnswer(
  fault: Fault,
  context: { requestId: string; now: number; accept: string | undefined },
): FaultAnswer {
  const status = fault.status ?? 500;
  if (fault.body !== undefined) {
    const body = typeof fault.body === "string" ? fault.body : JSON.stringify(fault.body);
    return { status, body, contentType: fault.contentType ?? JSON_TYPE, headers: {} };
  }
  const contentType = fault.contentType ?? problemContentType(context.accept);
  if (status === 429) {
    const detail =
      "This workspace has exceeded its API rate limit. Please try again later. (Fault injected by the emulator.)";
    const error = new ApiError(429, CODES.workspaceRateLimited, detail);
    return {
      status,
      body: envelope(context.requestId, error),
      contentType,
      headers: workspaceLimitHeaders(context.now),
    };
  }
  const error = new ApiError(status, CODES.unexpectedError, "Fault injected by the emulator.");
  return { status, body: envelope(context.requestId, error), contentType, headers: {} };
}
