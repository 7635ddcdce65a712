import { createLRU } from "lru.min";
import type { DenialCode } from "../decision/denials";
import type { ResolvedFailureBudget } from "./failure-budget-options";

/**
 * The refusals that count against an address's budget: keys that do not exist (Unkey's
 * `NOT_FOUND`) or cannot be keys (`MALFORMED_KEY`), what guessing produces. `DISABLED` and
 * `EXPIRED` keys are real keys, whose owner may simply not know yet: they do not count.
 * Nor does a request with no key (`MISSING_KEY`): it costs no Unkey call and guesses nothing.
 */
export const COUNTED_CODES: ReadonlySet<DenialCode> = new Set(["NOT_FOUND", "MALFORMED_KEY"]);

/**
 * Groups a client address as `identify.ip()` does (IPv4 as is, IPv6 by its `ipv6Subnet`
 * network); `undefined` for what is not an IP address. Given by the adapter: on Node it is
 * `addressGroup` (ipaddr.js); a Worker's adapter passes addresses already grouped by the
 * user's `identify.ip()`, so a Worker without a budget bundles no IP parser.
 */
export type AddressGroup = (address: string, ipv6Subnet: number | false) => string | undefined;

/** The shared count of an address's refusals, and how long its window has left. */
export interface SharedFailureCount {
  readonly count: number;
  readonly resetInMs: number;
}

/** Counts one refusal in the shared store; `undefined` when the store cannot say (then the local count rules). */
export type CountShared = (
  group: string,
  windowMs: number,
) => Promise<SharedFailureCount | undefined>;

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Refusals per client address in fixed windows, each opened by an address's first refusal.
 * At most `max` addresses are tracked: when full, the least recently refused is forgotten
 * (its count starts again), so a flood of addresses costs bounded memory.
 */
export class FailureBudget {
  readonly options: ResolvedFailureBudget;
  readonly #windows: ReturnType<typeof createLRU<string, Window>>;
  readonly #countShared: CountShared | undefined;
  readonly #group: AddressGroup | undefined;

  constructor(options: ResolvedFailureBudget, countShared?: CountShared, group?: AddressGroup) {
    this.options = options;
    this.#group = group;
    this.#countShared = countShared;
    this.#windows = createLRU<string, Window>({ max: options.max });
  }

  /** The address's group, as `identify.ip()` makes it; `undefined` when it is not an IP address. */
  groupOf(address: string | undefined): string | undefined {
    if (address === undefined || this.#group === undefined) return undefined;
    return this.#group(address, this.options.ipv6Subnet);
  }

  /** When the group's spent budget is restored (Unix ms), or `undefined` while some is left. */
  exhaustedUntil(group: string, now: number): number | undefined {
    const window = this.#windows.peek(group);
    if (window === undefined || now >= window.resetAt) return undefined;
    return window.failures >= this.options.limit ? window.resetAt : undefined;
  }

  /**
   * Counts one refusal of the group here and, when there is a shared store, there: then the
   * promise settles once the store's count is merged (bounded by the store's `timeoutMs`).
   */
  fail(group: string, now: number): Promise<void> | undefined {
    let window = this.#windows.get(group);
    if (window === undefined || now >= window.resetAt) {
      window = { failures: 0, resetAt: now + this.options.windowMs };
      this.#windows.set(group, window);
    }
    window.failures++;
    if (this.#countShared === undefined) return undefined;
    const local = window;
    return this.#countShared(this.#counterOf(group), this.options.windowMs).then((shared) => {
      if (shared === undefined) return;
      // Every instance's refusals: the window ends when the store's does, never earlier than ours.
      local.failures = Math.max(local.failures, shared.count);
      local.resetAt = Math.max(local.resetAt, Date.now() + shared.resetInMs);
    });
  }

  /**
   * The shared counter's name for the group under this budget: guards with different budgets
   * (a strict route, a lax rest of the API) each keep their own count and window, or one
   * guard's refusals would spend the other's budget and impose its window (attacker review,
   * issue 32 item 2).
   */
  #counterOf(group: string): string {
    return `${this.options.limit}/${this.options.windowMs}:${group}`;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.#windows.size;
  }
}
