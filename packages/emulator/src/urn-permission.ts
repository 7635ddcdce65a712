// Resource permissions `{urn}#{action}`, transcribed from unkeyed/unkey
// pkg/rbac/urn.go (parseUrnPermission at lines 90-114, permissionCovers at
// 120-126, validatePermissionAction at 130-144, evaluateUnkeyPermission at
// 59-71). Only a required permission built by an operation (rbac.U) is matched
// this way; a permission query sent to keys.verifyKey never is.
import { parseUrnV1, type UrnV1, urnCovers } from "./urn";

/** A parsed resource permission. */
export interface UrnPermission {
  resource: UrnV1;
  action: string;
}

// "*", or a word without URN separators that neither starts nor ends with "_".
function validAction(action: string): boolean {
  if (action === "*") return true;
  if (action === "" || /[:#/*]/.test(action)) return false;
  return !action.startsWith("_") && !action.endsWith("_");
}

/**
 * Parses `unkey:v1:{ws}:{path}#{action}`; undefined for anything else, legacy
 * tuples (`api.*.read_key`) and customer permission strings included. The
 * action wildcard is only valid on the global resource `**`.
 */
export function parseUrnPermission(value: string): UrnPermission | undefined {
  const separator = value.indexOf("#");
  if (separator < 0) return undefined;
  const action = value.slice(separator + 1);
  if (action.includes("#") || !validAction(action)) return undefined;
  const resource = parseUrnV1(value.slice(0, separator));
  if (!resource) return undefined;
  if (action === "*" && resource.resource !== "**") return undefined;
  return { resource, action };
}

// Granted strings are the root keys' own and repeat on every call; parse each once.
const parsedGrants = new Map<string, UrnPermission | null>();

function parseGrant(value: string): UrnPermission | undefined {
  let parsed = parsedGrants.get(value);
  if (parsed === undefined) {
    parsed = parseUrnPermission(value) ?? null;
    if (parsedGrants.size >= 10_000) parsedGrants.clear();
    parsedGrants.set(value, parsed);
  }
  return parsed ?? undefined;
}

/**
 * Whether any granted permission covers the required one: the same action (or
 * `*`) on a resource pattern covering the required resource. Malformed grants
 * are skipped.
 */
export function urnPermissionGranted(required: string, granted: Iterable<string>): boolean {
  const want = parseUrnPermission(required);
  if (!want) return false;
  for (const value of granted) {
    const grant = parseGrant(value);
    if (!grant) continue;
    if (grant.action !== "*" && grant.action !== want.action) continue;
    if (urnCovers(grant.resource, want.resource)) return true;
  }
  return false;
}
