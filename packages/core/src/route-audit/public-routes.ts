import { KeyguardConfigError, locateConfigErrors } from "../errors";
import { nearestName } from "../options/did-you-mean";
import { rejectUnknownOptions } from "../options/option-names";
import type { RouteAuditOptions } from "./route-audit-row";

/** A route's name in the audit's vocabulary, as the `public` list spells it: `GET /health`. */
export const routeKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

const ENTRY = /^(\S+) +(\S+)$/;

/** The `public` list checked: each entry `"METHOD /path"`, as its route key. */
function parseList(options: RouteAuditOptions | undefined): Set<string> {
  if (options === undefined) return new Set();
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new KeyguardConfigError("options", "expected an object.");
  rejectUnknownOptions(options, ["public"]);
  const list: unknown = options.public ?? [];
  if (!Array.isArray(list))
    throw new KeyguardConfigError("public", 'expected an array of "METHOD /path".');
  const keys = new Set<string>();
  list.forEach((entry: unknown, index) => {
    const parts = typeof entry === "string" ? ENTRY.exec(entry) : null;
    if (parts === null)
      throw new KeyguardConfigError(
        `public[${index}]`,
        `expected "METHOD /path" (like "GET /health"), got ${JSON.stringify(entry) ?? String(entry)}.`,
      );
    keys.add(routeKey(parts[1] as string, parts[2] as string));
  });
  return keys;
}

/**
 * The `public` list of an audit's options, by route key; a bad option is a
 * `KeyguardConfigError` naming it, `at` the audit's call.
 */
export const publicRoutesOf = (options: RouteAuditOptions | undefined, at: string): Set<string> =>
  locateConfigErrors(at, () => parseList(options));

const loose = (path: string) => path.toLowerCase().replace(/\/+$/, "");

/**
 * The routes an unknown entry may have meant: the same path under another method or
 * spelling (`"GET /login"` for `POST /login`), else the nearest by a typo or two.
 */
function nearest(entry: string, known: readonly string[]): string | undefined {
  const path = loose(entry.slice(entry.indexOf(" ") + 1));
  const near = known.filter((key) => loose(key.slice(key.indexOf(" ") + 1)) === path);
  if (near.length > 0) return near.map((key) => `"${key}"`).join(" or ");
  const typo = nearestName(entry, known);
  return typo === undefined ? undefined : `"${typo}"`;
}

/**
 * Refuses `public` entries that name no route of the app (`known`: every route's key),
 * all of them in one error: a typo would leave the route it meant listed as open, or hide
 * that the route was removed.
 */
export function rejectUnknownRoutes(
  wanted: ReadonlySet<string>,
  known: readonly string[],
  at: string,
): void {
  const have = new Set(known);
  const unknown = [...wanted].filter((key) => !have.has(key));
  if (unknown.length === 0) return;
  const named = unknown.map((key) => {
    const near = nearest(key, known);
    return near === undefined ? `"${key}"` : `"${key}" (did you mean ${near}?)`;
  });
  throw new KeyguardConfigError(
    "public",
    `names ${unknown.length === 1 ? "a route" : "routes"} this app does not have: ${named.join(", ")}. Spell each as the audit lists it ("METHOD /path", prefixes included), or remove it.`,
    { at },
  );
}
