import type { CreditsRecord } from "./state";

const DAY_MS = 86_400_000;

/** The most recent refill moment at or before `now` for a refill rule (UTC). */
export function lastRefillBoundary(
  interval: "daily" | "monthly",
  refillDay: number | undefined,
  now: number,
): number {
  if (interval === "daily") return Math.floor(now / DAY_MS) * DAY_MS;
  const date = new Date(now);
  const boundaryIn = (year: number, month: number): number => {
    const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return Date.UTC(year, month, Math.min(refillDay ?? 1, daysInMonth));
  };
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const thisMonth = boundaryIn(year, month);
  return thisMonth <= now ? thisMonth : boundaryIn(year, month - 1);
}

/**
 * Applies a due refill lazily, at verification time, as Unkey does: the
 * remaining credits are set back to `amount` once per interval.
 * Returns true when the credits changed.
 */
export function applyRefill(credits: CreditsRecord, now: number): boolean {
  const refill = credits.refill;
  if (!refill) return false;
  const boundary = lastRefillBoundary(refill.interval, refill.refillDay, now);
  if (credits.lastRefillAt >= boundary) return false;
  credits.remaining = refill.amount;
  credits.lastRefillAt = now;
  return true;
}
