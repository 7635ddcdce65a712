// Transcribed from unkeyed/unkey pkg/rbac/rbac.go (evaluateQueryV1,
// FormatPermissionQuery, evaluateLeafPermission at lines 155-170). Matching is
// exact string membership: `*` is a literal character, never a wildcard
// (pkg/rbac/rbac_test.go), except in the resource-permission leaves an
// operation builds for root-key rights (pkg/rbac/urn.go).
import type { PermissionQuery } from "./permission-query-parser";
import { urnPermissionGranted } from "./urn-permission";

/** The outcome of a check: `message` says what is missing when `valid` is false. */
export interface CheckResult {
  valid: boolean;
  message: string;
}

const PASS: CheckResult = { valid: true, message: "" };

/** Unkey's human-readable form of a query, used in denial messages. */
export function formatPermissionQuery(query: PermissionQuery): string {
  if (query.operation === "permission") return query.value;
  return query.children.map(formatPermissionQuery).join(` ${query.operation} `);
}

/**
 * Evaluates a query against granted permissions, with Unkey's messages:
 * AND reports its first failing child, OR lists every alternative.
 *
 * @example
 * ```ts
 * checkPermissionQuery(parsePermissionQuery("a AND b"), new Set(["a"])); // { valid: false, message: "Missing permission: 'b'" }
 * ```
 */
export function checkPermissionQuery(
  query: PermissionQuery,
  granted: ReadonlySet<string>,
): CheckResult {
  if (query.operation === "permission") {
    return granted.has(query.value) || (query.urn && urnPermissionGranted(query.value, granted))
      ? PASS
      : { valid: false, message: `Missing permission: '${query.value}'` };
  }
  if (query.operation === "and") {
    for (const child of query.children) {
      const result = checkPermissionQuery(child, granted);
      if (!result.valid) return result;
    }
    return PASS;
  }
  const missing: string[] = [];
  for (const child of query.children) {
    if (checkPermissionQuery(child, granted).valid) return PASS;
    missing.push(formatPermissionQuery(child));
  }
  return { valid: false, message: `Missing one of these permissions: ${missing.join(" or ")}` };
}
