import type { FoundRoute, GuardMark } from "@keyguard/core/adapter";
import { consume, type Layer } from "./mount-paths";
import { provesCovers } from "./path-cover";

/** A keyguard middleware met on the walk, with the router layers it sits behind. */
export interface Scoped {
  readonly mounts: readonly Layer[];
  readonly layer: Layer;
  readonly mark: GuardMark;
  /** The paths it is declared at, mount paths included; `undefined` when Express hides them. */
  readonly paths: readonly string[] | undefined;
}

/** Whether Express runs a middleware on a request for the path's text: every layer on its way matches. */
function matchesText(scoped: Scoped, path: string): boolean {
  let rest: string | undefined = path;
  for (const layer of [...scoped.mounts, scoped.layer]) {
    rest = consume(layer, rest);
    if (rest === undefined) return false;
  }
  return true;
}

/**
 * Whether a middleware runs on every request a route answers, not only on the route's
 * text: `/docs/:id` matches the text `/docs/:id?`, yet `GET /docs` reaches that route
 * without passing it. Proven only from the declared paths (see `provesCovers`); a guard
 * that matches the text without proof is `"maybe"`, and its route is open with a note.
 */
function coverage(scoped: Scoped, path: string): "yes" | "maybe" | "no" {
  if (!matchesText(scoped, path)) return "no";
  const proven = scoped.paths?.some((guard) => provesCovers(guard, path)) ?? false;
  return proven ? "yes" : "maybe";
}

/** The guards that run on every request to `path`, in order, and a note on those that may not. */
export function guardsOn(
  before: readonly Scoped[],
  path: string,
): { marks: GuardMark[]; note?: string } {
  const seen = new Set<Layer>();
  const marks: GuardMark[] = [];
  const unsure: string[] = [];
  for (const scoped of before) {
    if (seen.has(scoped.layer)) continue;
    const covered = coverage(scoped, path);
    if (covered === "yes") {
      seen.add(scoped.layer);
      marks.push(scoped.mark);
    } else if (covered === "maybe") unsure.push(...(scoped.paths ?? ["a pattern Express hides"]));
  }
  if (unsure.length === 0) return { marks };
  return {
    marks,
    note: `a guard at ${[...new Set(unsure)].join(", ")} matches this path but not every request it answers`,
  };
}

/** A found route from its chain, open with the note when no guard that surely runs verifies a key. */
export function withNote(found: FoundRoute, note: string | undefined): FoundRoute {
  return found.access === "open" && note !== undefined ? { ...found, note } : found;
}
