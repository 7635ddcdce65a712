import type { RatelimitState } from "../src/index";

/** A rate limit as Unkey's verify answer reports it: 5 of 10 left, resetting 30 s after `now`. */
export const ratelimitState = (
  now: number,
  extra: Partial<RatelimitState> = {},
): RatelimitState => ({
  name: "requests",
  exceeded: false,
  limit: 10,
  remaining: 5,
  duration: 60_000,
  reset: now + 30_000,
  autoApply: true,
  ...extra,
});
