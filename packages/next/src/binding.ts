import type { Guard } from "@keyguard/core/adapter";

const encoder = new TextEncoder();

/** SHA-256 with Web Crypto (the middleware runs on the Edge runtime), hex. */
async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * What decides whether a key is let in, on one side of the hand-off: where it is verified
 * (Unkey's URL), with which root key (its one-way digest, never the key) and where the key
 * is read (`keySources`, or a `getKey` hook). Two sides that differ in any of these may
 * answer the same request differently, so a hand-off from one is worth nothing to the other.
 */
function verifyingSide(guard: Guard, customGetKey: boolean): Promise<string> {
  return sha256Hex(
    JSON.stringify({
      verifyUrl: guard.verifier.options.verifyUrl,
      rootKey: guard.verifier.rootKeyDigest,
      keys: customGetKey ? "getKey" : guard.sources,
    }),
  );
}

/**
 * Builds the function giving what a hand-off is bound to for one request: this side's
 * fingerprint, the request's method and path, and the key the request presents. The binding
 * is never sent: it enters only the hand-off's MAC (handoff.ts, HMAC-SHA-256 under the
 * context secret, domain-separated), so the key is bound by a keyed digest, never carried.
 * `unkeyMiddleware()` signs the binding with the context; `withUnkey()` accepts the context
 * only if its own binding signs the same, so a value is worth nothing to a route that
 * verifies differently, on another URL, or to a request presenting no key or another key.
 */
export function createBinder(
  guard: Guard,
  customGetKey: boolean,
): (request: Request, key: string) => Promise<string> {
  let side: Promise<string> | undefined;
  return async (request, key) => {
    side ??= verifyingSide(guard, customGetKey);
    return JSON.stringify([await side, request.method, new URL(request.url).pathname, key]);
  };
}
