import { KeyguardConfigError } from "../errors";
import { describe } from "../options/connection-options";
import { rejectUnknownOptions } from "../options/option-names";
import { type IpOptions, resolveIpv6Subnet } from "../ratelimit/ipv6-subnet";

/**
 * The `failureBudget` guard option: how many requests one client address may have refused
 * for an unknown or malformed key (`NOT_FOUND`, `MALFORMED_KEY`) within `windowMs` before
 * its requests are answered 429 locally, without calling Unkey.
 */
export interface FailureBudgetOptions extends IpOptions {
  /** Refusals for an unknown or malformed key allowed per address and window (≥ 1). */
  limit: number;
  /** The window, in ms, counted from an address's first refusal (≥ 1000). */
  windowMs: number;
  /**
   * Addresses tracked at once, least recently refused forgotten first: what bounds memory
   * under a flood of addresses.
   * @default 10000
   */
  max?: number | undefined;
}

/** The options in force, defaults applied. */
export interface ResolvedFailureBudget {
  readonly limit: number;
  readonly windowMs: number;
  readonly max: number;
  readonly ipv6Subnet: number | false;
}

const OPTION_NAMES = ["limit", "windowMs", "max", "ipv6Subnet"] as const;
const DEFAULT_MAX = 10_000;
// setTimeout's and Redis PEXPIRE's common bound.
const MAX_MS = 2_147_483_647;

function wholeNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max)
    return value;
  throw new KeyguardConfigError(
    `failureBudget.${name}`,
    `expected a whole number from ${min} to ${max.toLocaleString("en-US")}, got ${describe(value)}.`,
  );
}

/** Checks `failureBudget` at start-up; every bad sub-option is named. */
export function resolveFailureBudget(value: unknown): ResolvedFailureBudget | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null)
    throw new KeyguardConfigError("failureBudget", "expected { limit, windowMs }.");
  rejectUnknownOptions(value, OPTION_NAMES, "failureBudget.");
  const options = value as Partial<FailureBudgetOptions>;
  let ipv6Subnet: number | false;
  try {
    ipv6Subnet = resolveIpv6Subnet({ ipv6Subnet: options.ipv6Subnet });
  } catch (error) {
    if (!(error instanceof KeyguardConfigError)) throw error;
    throw new KeyguardConfigError("failureBudget.ipv6Subnet", error.problem);
  }
  return {
    limit: wholeNumber("limit", options.limit, 1, MAX_MS),
    // Retry-After counts whole seconds (RFC 9110 §10.2.3): a shorter window cannot be told.
    windowMs: wholeNumber("windowMs", options.windowMs, 1000, MAX_MS),
    max: wholeNumber("max", options.max ?? DEFAULT_MAX, 1, MAX_MS),
    ipv6Subnet,
  };
}
