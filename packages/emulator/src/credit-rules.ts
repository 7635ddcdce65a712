// Credit and refill rules of createKey and updateKey, transcribed from
// unkeyed/unkey svc/api/routes/v2_keys_create_key/handler.go and
// svc/api/routes/v2_keys_update_key/handler.go.
import { invalidInput } from "./errors";
import type { CreditsRecord, RefillRecord } from "./state";

type RefillInput = {
  interval: "daily" | "monthly";
  amount: number;
  refillDay?: number | undefined;
};

const MONTHLY_NEEDS_DAY = "`refillDay` must be provided when the refill interval is `monthly`.";

/** A stored refill: Unkey stores no `refillDay` for a daily refill (its null day means daily). */
function toRefill(input: RefillInput): RefillRecord {
  if (input.interval === "daily") return { interval: "daily", amount: input.amount };
  return { interval: "monthly", amount: input.amount, refillDay: input.refillDay as number };
}

/**
 * Validates createKey's `credits` and builds the stored record: a refill needs a
 * non-null `remaining`, a monthly refill needs `refillDay`, and a daily refill's
 * `refillDay` is silently dropped.
 */
export function creditsForCreate(
  input: { remaining: number | null; refill?: RefillInput | undefined },
  now: number,
): CreditsRecord {
  if (input.refill) {
    if (input.remaining === null) {
      throw invalidInput("`credits.remaining` must be provided when `credits.refill` is set.");
    }
    if (input.refill.interval === "monthly" && input.refill.refillDay === undefined) {
      throw invalidInput(MONTHLY_NEEDS_DAY);
    }
  }
  const credits: CreditsRecord = { remaining: input.remaining, lastRefillAt: now };
  if (input.refill) credits.refill = toRefill(input.refill);
  return credits;
}

/** The `credits` field of updateKey: absent, null, or partial with three-state fields. */
export type CreditsUpdate =
  | { remaining?: number | null | undefined; refill?: RefillInput | null | undefined }
  | null
  | undefined;

/**
 * Applies updateKey's `credits` to the stored credits and returns the result
 * (undefined: no credits). Validation runs first, so a refused update changes
 * nothing: monthly needs `refillDay`, daily refuses it. `remaining: null`
 * clears the refill too; a refill given in the same request is set afterwards,
 * in Unkey's order.
 */
export function creditsAfterUpdate(
  current: CreditsRecord | undefined,
  update: CreditsUpdate,
  now: number,
): CreditsRecord | undefined {
  if (update === undefined) return current;
  if (update === null) return undefined;
  const refill = update.refill;
  if (refill) {
    if (refill.interval === "monthly" && refill.refillDay === undefined) {
      throw invalidInput(MONTHLY_NEEDS_DAY);
    }
    if (refill.interval === "daily" && refill.refillDay !== undefined) {
      throw invalidInput("`refillDay` must not be provided when the refill interval is `daily`.");
    }
  }
  const next: CreditsRecord = current ? { ...current } : { remaining: null, lastRefillAt: now };
  if (update.remaining !== undefined) {
    next.remaining = update.remaining;
    if (update.remaining === null) delete next.refill;
  }
  if (refill === null) delete next.refill;
  else if (refill !== undefined) {
    next.refill = toRefill(refill);
    next.lastRefillAt = now;
  }
  if (next.remaining === null && !next.refill) return undefined;
  return next;
}
