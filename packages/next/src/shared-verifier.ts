import { createVerifier, type Verifier, type VerifierOptions } from "@keyguard/core";

interface Registry {
  readonly verifiers: Map<string, Verifier>;
  readonly ids: WeakMap<object, number>;
  next: number;
}

// On globalThis, under a registered symbol: Next may bundle this module into each route's
// chunk, and re-evaluates modules on every edit in development. One registry per process.
const REGISTRY = Symbol.for("keyguard.next.verifiers");

function registry(): Registry {
  const holder = globalThis as { [REGISTRY]?: Registry };
  holder[REGISTRY] ??= { verifiers: new Map(), ids: new WeakMap(), next: 0 };
  return holder[REGISTRY];
}

function identity(value: object, reg: Registry): string {
  let id = reg.ids.get(value);
  if (id === undefined) {
    id = reg.next++;
    reg.ids.set(value, id);
  }
  return `#${id}`;
}

/** Options as a string: plain values (`cache: { … }` included) by value, functions and objects by identity. */
function keyOf(options: VerifierOptions, reg: Registry): string {
  const entries: [string, unknown][] = [];
  for (const name of Object.keys(options).sort()) {
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const byIdentity =
      typeof value === "function" ||
      (name !== "cache" && typeof value === "object" && value !== null);
    entries.push([name, byIdentity ? identity(value as object, reg) : value]);
  }
  return JSON.stringify(entries);
}

/**
 * The verifier (and its cache) for these options, shared by every `withUnkey()` and
 * `unkeyMiddleware()` of the process given the same options: route modules that each
 * wrap their handlers share one cache without passing a verifier around. Options are
 * compared by value (`rootKey`, `baseUrl`, `cache: { ttlMs }`, …) and functions or
 * objects (`fetch`, `logger`, `sharedCache`) by identity, so create those once, at
 * module level, not per request.
 */
export function sharedVerifier(options: VerifierOptions): Verifier {
  const reg = registry();
  const key = keyOf(options, reg);
  let verifier = reg.verifiers.get(key);
  if (verifier === undefined) {
    verifier = createVerifier(options);
    reg.verifiers.set(key, verifier);
  }
  return verifier;
}
