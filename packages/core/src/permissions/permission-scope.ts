import type { PermissionQuery } from "./permission-query";

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-delimited. Unkey's
// permission grammar (letters, digits, `. _ - : * /`) only makes scope-tokens, so a name that
// is not one can only come from a hand-built query of another copy of the core: it is left
// out of `scope` (a challenge with a broken auth-param would be refused whole by a strict
// client), and the 403 still says the rest.
function isScopeToken(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function collect(query: PermissionQuery, into: Set<string>): void {
  if (query.type === "permission") into.add(query.name);
  else for (const operand of query.operands) collect(operand, into);
}

/** Every permission a query names, each once, in the order it names them. */
export function permissionsOf(query: PermissionQuery): string[] {
  const names = new Set<string>();
  collect(query, names);
  return [...names];
}

const scopes = new WeakMap<PermissionQuery, string | undefined>();

/**
 * The `scope` of an `insufficient_scope` challenge for a route's query: every permission it
 * names, space-separated (RFC 6750 §3, RFC 6749 §3.3). A query with OR needs only some of
 * them; the scope lists them all, the way a client learns what to ask for, and the route's
 * OpenAPI operation carries the query itself (`x-permissions`). Computed once per query.
 */
export function scopeOf(query: PermissionQuery): string | undefined {
  if (scopes.has(query)) return scopes.get(query);
  const tokens = permissionsOf(query).filter(isScopeToken);
  const scope = tokens.length === 0 ? undefined : tokens.join(" ");
  scopes.set(query, scope);
  return scope;
}

/** The permissions the query names that the key does not hold (for `exposeMissingPermissions`). */
export function missingPermissions(
  query: PermissionQuery,
  granted: ReadonlySet<string> | readonly string[],
): string[] {
  const held = granted instanceof Set ? granted : new Set(granted as readonly string[]);
  return permissionsOf(query).filter((name) => !held.has(name));
}
