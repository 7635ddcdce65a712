import { KeyguardConfigError } from "../errors";
import type { PermissionQuery } from "../permissions/permission-query";
import { optionNames, rejectUnknownOptions } from "./option-names";
import { type PreparedRequest, prepareRequest } from "./verify-request";

/**
 * Candidate rules a route reports on without enforcing them: what a stricter `permissions`
 * or a `cost` would do to live traffic, published on `keyguard:decision` (and counted by
 * `@keyguard/otel`), never changing the answer, never sent to Unkey, never charged.
 */
export interface ReportOnlyOptions {
  /**
   * A candidate permission query, evaluated locally against the permissions Unkey's answer
   * carries (all of the key's, whatever the route asks: Unkey's `keys.verifyKey` response).
   */
  permissions?: string | PermissionQuery | undefined;
  /** A candidate cost in credits: would the key's credits cover it? Never deducted. */
  cost?: number | undefined;
}

/** A route's `reportOnly`, checked and compiled once at start-up. */
export interface ReportOnlyRule {
  readonly query: PermissionQuery | undefined;
  /** The candidate query as written (or printed, for a built one): what events name. */
  readonly querySource: string | undefined;
  readonly cost: number | undefined;
}

const REPORT_ONLY_FIELDS = /* @__PURE__ */ optionNames<ReportOnlyOptions>({
  permissions: true,
  cost: true,
});

/**
 * Validates a route's `reportOnly` as `permissions` and `cost` are validated (the same
 * grammar, Unkey's same bounds), so a candidate that could never be enforced fails at
 * start-up: a {@link KeyguardConfigError} naming `reportOnly.permissions` (with `prefix`).
 */
export function compileReportOnly(value: unknown, prefix = ""): ReportOnlyRule | undefined {
  if (value === undefined) return undefined;
  const option = `${prefix}reportOnly`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KeyguardConfigError(option, "expected an object: { permissions?, cost? }.");
  }
  rejectUnknownOptions(value, REPORT_ONLY_FIELDS, `${option}.`);
  const { permissions, cost } = value as ReportOnlyOptions;
  if (permissions === undefined && cost === undefined) {
    throw new KeyguardConfigError(
      option,
      "expected `permissions` or `cost`: nothing to report on.",
    );
  }
  // The candidate is held to exactly what the route's own `permissions` and `cost` must meet.
  const compiled = prepareRequest({ permissions, cost }, `${option}.`);
  return Object.freeze({
    query: compiled.query,
    querySource: compiled.querySource,
    cost: compiled.cost,
  });
}

// Beside the compiled route rather than in it: a verification never reads a candidate.
const rules = /* @__PURE__ */ new WeakMap<PreparedRequest, ReportOnlyRule>();

/** Attaches a compiled `reportOnly` to a compiled route (a fresh one: each is its own). */
export function withReportOnly(
  route: PreparedRequest,
  rule: ReportOnlyRule | undefined,
): PreparedRequest {
  if (rule !== undefined) rules.set(route, rule);
  return route;
}

/** The route's `reportOnly`, if it has one. */
export function reportOnlyOf(route: PreparedRequest): ReportOnlyRule | undefined {
  return rules.get(route);
}
