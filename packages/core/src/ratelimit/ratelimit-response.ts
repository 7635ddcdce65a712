/** Where a rate-limit answer came from, in the words of `KeyContext.source` where they apply. */
export type RatelimitSource =
  /** Unkey answered this call. */
  | "upstream"
  /** Refused here, with no upstream call: the identifier is blocked until `reset`. */
  | "local"
  /** Unkey could not answer and `failureMode: "open"` let the call through. */
  | "fail-open"
  /** `mode: "async"` admitted it from the local estimate; Unkey is told in the background. */
  | "async";

/** The outcome of one `limit()` call; `reset` is an absolute Unix time in ms. */
export interface RatelimitResponse {
  readonly success: boolean;
  /** The limit Unkey applies: an override's when one matches the identifier, else the one asked for. */
  readonly limit: number;
  readonly remaining: number;
  readonly reset: number;
  readonly source: RatelimitSource;
  /** Unkey's `meta.requestId` when this answer is Unkey's own. */
  readonly requestId?: string | undefined;
  /** The id of the override Unkey applied (`ratelimit.setOverride`), when one matched. */
  readonly overrideId?: string | undefined;
}

const count = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;

/**
 * Turns the `data` of a `ratelimit.limit` 200 answer into a frozen
 * {@link RatelimitResponse}, or `undefined` when it is not one: `success` must be
 * a boolean and `limit`, `remaining`, `reset` non-negative numbers. `verdict` names the
 * boolean: `ratelimit.multiLimit` answers each limit with `passed` instead.
 */
export function parseRatelimitData(
  data: unknown,
  requestId: string | undefined,
  verdict: "success" | "passed" = "success",
): RatelimitResponse | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const fields = data as Record<string, unknown>;
  const limit = count(fields.limit);
  const remaining = count(fields.remaining);
  const reset = count(fields.reset);
  const success = fields[verdict];
  if (typeof success !== "boolean" || limit === undefined) return undefined;
  if (remaining === undefined || reset === undefined) return undefined;
  const overrideId =
    typeof fields.overrideId === "string" && fields.overrideId !== ""
      ? fields.overrideId
      : undefined;
  return Object.freeze({
    success,
    limit,
    remaining,
    reset,
    source: "upstream",
    requestId,
    overrideId,
  });
}
