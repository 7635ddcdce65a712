import { KeyguardConfigError } from "../errors";
import { nearestName } from "./did-you-mean";

/**
 * A set of rate-limit header fields:
 * - `"draft-09"`: `RateLimit-Policy` and `RateLimit`, the Structured Fields of
 *   draft-ietf-httpapi-ratelimit-headers-09 and later (one item per policy);
 * - `"draft-06"`: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (delay
 *   seconds) of draft-06 and earlier, for the rate limit with the least room;
 * - `"x-ratelimit"`: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`
 *   (Unix seconds, as GitHub's API sends it), for the same rate limit.
 */
export type RatelimitHeaderSet = "draft-09" | "draft-06" | "x-ratelimit";

/** `ratelimitHeaders`: one set, or several; `"draft-09"` is always among them. */
export type RatelimitHeadersOption = RatelimitHeaderSet | readonly RatelimitHeaderSet[];

/** Which sets besides the current draft's a guard sends. */
export interface RatelimitHeaderSets {
  readonly draft06: boolean;
  readonly xRatelimit: boolean;
}

const SETS: readonly RatelimitHeaderSet[] = ["draft-09", "draft-06", "x-ratelimit"];

/** The default: the current draft's fields alone. */
export const CURRENT_DRAFT_ONLY: RatelimitHeaderSets = Object.freeze({
  draft06: false,
  xRatelimit: false,
});

function checkSet(value: unknown, option: string): RatelimitHeaderSet {
  if (typeof value === "string" && (SETS as readonly string[]).includes(value))
    return value as RatelimitHeaderSet;
  const suggestion = typeof value === "string" ? nearestName(value, SETS) : undefined;
  throw new KeyguardConfigError(
    option,
    suggestion === undefined
      ? `expected ${SETS.map((set) => JSON.stringify(set)).join(", ")} or an array of them, got ${JSON.stringify(value) ?? String(value)}.`
      : `unknown header set ${JSON.stringify(value)}; did you mean ${JSON.stringify(suggestion)}?`,
  );
}

/**
 * Checks `ratelimitHeaders` and says which sets to send. The 429 body's `violated-policies`
 * names the policies of `RateLimit-Policy`, so an array must hold `"draft-09"`: the older
 * names come as well as the current ones, never instead of them.
 */
export function resolveRatelimitHeaders(
  value: unknown,
  option = "ratelimitHeaders",
): RatelimitHeaderSets {
  if (value === undefined) return CURRENT_DRAFT_ONLY;
  const given = Array.isArray(value) ? value : [value];
  if (given.length === 0)
    throw new KeyguardConfigError(option, 'expected at least "draft-09", got an empty array.');
  const sets = given.map((set, i) =>
    checkSet(set, Array.isArray(value) ? `${option}[${i}]` : option),
  );
  if (!sets.includes("draft-09"))
    throw new KeyguardConfigError(
      option,
      `expected "draft-09" among the sets: the older names are sent as well as RateLimit-Policy and RateLimit, whose policies the 429 body's violated-policies names; got ${JSON.stringify(value)}.`,
    );
  const draft06 = sets.includes("draft-06");
  const xRatelimit = sets.includes("x-ratelimit");
  return draft06 || xRatelimit ? Object.freeze({ draft06, xRatelimit }) : CURRENT_DRAFT_ONLY;
}
