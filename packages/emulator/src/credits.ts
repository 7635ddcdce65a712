import type { CreditsRecord } from "./state";

const DAY_MS = 86_400_000;

/**
 * The most recent refill moment at or before `now` (UTC midnight). Unkey's
 * refill job (svc/ctrl/worker/cron/keyrefill) runs once per UTC date: daily
 * refills every day; monthly ones on `refillDay`, or on the month's last day
 * when the month is shorter (key_list_for_refill.sql's catch-up rule).
 */
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
 * Applies a refill that came due since the last one, lazily (the emulator has
 * no cron). As svc/ctrl/internal/db/queries/key_list_for_refill.sql, a refill
 * only raises `remaining` to `amount`: a key holding as much or more is left
 * alone (500 remaining with a daily refill of 100 stays 500), and a key with
 * unlimited (null) remaining but a refill rule gets `amount`.
 * Returns true when the credits changed.
 */
export function applyRefill(credits: CreditsRecord, now: number): boolean {
  const refill = credits.refill;
  if (!refill) return false;
  const boundary = lastRefillBoundary(refill.interval, refill.refillDay, now);
  if (credits.lastRefillAt >= boundary) return false;
  credits.lastRefillAt = now;
  if (credits.remaining !== null && credits.remaining >= refill.amount) return true;
  credits.remaining = refill.amount;
  return true;
}
