// A registry-wide symbol: a context that one copy of the core issued (its ESM build, say)
// is recognised by another copy (its CJS build) that a second guard on the request loaded.
const ISSUER = /* @__PURE__ */ Symbol.for("keyguard.issuer");

/**
 * Names, on a context about to be frozen, the guard that let its key in. The mark is not
 * enumerable: JSON, spreads and equality checks never see it, and a copy of the context
 * (or one your code builds) is not taken for a verification.
 */
export function markIssuer<T extends object>(context: T, guard: string): T {
  return Object.defineProperty(context, ISSUER, { value: guard });
}

/**
 * The guard that let this context's key in (`unkey()`, `unkey({ cost: 5 })`, …) when a
 * keyguard guard issued it; `undefined` for anything else.
 *
 * @example
 * ```ts
 * const first = issuerOf(req.unkey);
 * if (first !== undefined) return guard.again(req.unkey, { method: req.method, path: req.path });
 * ```
 */
export function issuerOf(context: unknown): string | undefined {
  if (typeof context !== "object" || context === null) return undefined;
  const name = (context as { [ISSUER]?: unknown })[ISSUER];
  return typeof name === "string" ? name : undefined;
}
