import { KeyguardSetupError } from "../errors";
import { parsePermissionQuery, printPermissionQuery } from "./permission-query";

function combine(kind: "and" | "or", parts: readonly string[]): string {
  if (parts.length === 0) {
    throw new KeyguardSetupError(`${kind}()`, "needs at least one permission or sub-query.");
  }
  const operands = parts.map((part) => parsePermissionQuery(part));
  const tree =
    operands.length === 1 ? (operands[0] as (typeof operands)[0]) : { type: kind, operands };
  return printPermissionQuery(tree);
}

/**
 * Builds a query that needs every part. Parts are permission names or queries
 * (for example from `or(...)`); each is checked against Unkey's grammar here.
 *
 * @example
 * ```ts
 * and("docs.read", or("docs.write", "admin")); // "docs.read AND (docs.write OR admin)"
 * ```
 */
export function and(...parts: string[]): string {
  return combine("and", parts);
}

/**
 * Builds a query that needs any one of its parts.
 *
 * @example
 * ```ts
 * or("admin", and("billing.read", "billing.write")); // "admin OR billing.read AND billing.write"
 * ```
 */
export function or(...parts: string[]): string {
  return combine("or", parts);
}
