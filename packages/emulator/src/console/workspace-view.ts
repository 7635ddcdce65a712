import { applyRefill } from "../credits";
import type { SlidingWindowLimiter } from "../sliding-window";
import type { CreditsRecord, KeyRecord, State } from "../state";
import { mergeRatelimits } from "../verify-ratelimits";
import { creditsView, identityView, keyView } from "../views";

/** A key's rate limit and its current window, as the next verification would see it. */
export interface LimitView {
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
  /** Whose limit it is: the key's own, or its identity's. */
  from: "key" | "identity";
  /** What the window leaves (`null` for a limit Unkey's ratelimiter would not count). */
  remaining: number | null;
  /** Unix ms when the current window ends. */
  reset: number | null;
}

/** What the console's page shows: APIs, keys (never a plaintext), identities. */
export interface WorkspaceView {
  now: number;
  apis: { id: string; name: string; keys: number }[];
  keys: (ReturnType<typeof keyView> & { apiId: string; limits: LimitView[] })[];
  identities: (ReturnType<typeof identityView> & { keys: number })[];
}

// What a refill that came due would leave, without applying it: viewing must not change
// the workspace (the handlers apply refills when they next read the key).
function creditsNow(credits: CreditsRecord | undefined, now: number) {
  if (!credits) return undefined;
  const copy = { ...credits };
  applyRefill(copy, now);
  return creditsView(copy);
}

// A check at cost 0 reads the sliding window without counting in it (sliding-window.ts
// consumes nothing for a cost of 0), with the namespace and identifier verifications use
// (verify-ratelimits.ts).
function limitsOf(state: State, limiter: SlidingWindowLimiter, key: KeyRecord, now: number) {
  const identity = key.identityId ? state.identities.get(key.identityId) : undefined;
  return [...mergeRatelimits(key, identity).values()].map(
    ({ record, identifier, fromIdentity }) => {
      const counted = record.limit >= 1 && record.duration >= 1000;
      const window = counted
        ? limiter.limit(
            {
              namespace: record.name,
              identifier,
              limit: record.limit,
              duration: record.duration,
              cost: 0,
            },
            now,
          )
        : undefined;
      return {
        name: record.name,
        limit: record.limit,
        duration: record.duration,
        autoApply: record.autoApply,
        from: fromIdentity ? ("identity" as const) : ("key" as const),
        remaining: window ? window.remaining : null,
        reset: window ? window.reset : null,
      };
    },
  );
}

/** The workspace as the console shows it, at `now`. */
export function workspaceView(
  state: State,
  limiter: SlidingWindowLimiter,
  now: number,
): WorkspaceView {
  const keys = [...state.keys.values()];
  const count = (test: (key: KeyRecord) => boolean) => keys.filter(test).length;
  return {
    now,
    apis: [...state.apis.values()].map((api) => ({
      id: api.id,
      name: api.name,
      keys: count((key) => key.apiId === api.id),
    })),
    keys: keys.map((key) => {
      const view = keyView(state, key);
      const credits = creditsNow(key.credits, now);
      return {
        ...view,
        ...(credits ? { credits } : {}),
        apiId: key.apiId,
        limits: limitsOf(state, limiter, key, now),
      };
    }),
    identities: [...state.identities.values()].map((identity) => ({
      ...identityView(identity),
      keys: count((key) => key.identityId === identity.id),
    })),
  };
}
