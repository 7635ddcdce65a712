import type { KeyContext } from "@keyguard/core";

/**
 * The request header on which `unkeyMiddleware()` hands the verified key to route
 * handlers. The middleware deletes any incoming header of this name before it sets
 * its own, and `withUnkey()` accepts only a value signed with the context secret.
 */
export const CONTEXT_HEADER = "x-keyguard-context";

/**
 * A hand-off is for the request being forwarded now: one older than this is refused, and
 * one older than the route's `cache.ttlMs` too when that is shorter (handed-context.ts).
 */
export const MAX_AGE_MS = 30_000;
// Domain separation: a MAC over this prefix can never be mistaken for any other use of the
// secret, which may be the root key. v3: the binding covers the presented key. v4: the
// payload carries when it was signed (`iat`), not an expiry: the route decides how old is too old.
const PURPOSE = "keyguard.next.context.v4.";

/** A hand-off whose signature checked out: what it carries and when it was signed (Unix ms). */
export interface OpenedContext {
  readonly context: KeyContext;
  readonly signedAt: number;
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * What is signed: the payload with what it is bound to (binding.ts: the verifying side's
 * fingerprint, the method and path, the presented key). The binding is signed, not sent: the
 * route recomputes its own, so a hand-off made under another binding fails the check like a
 * forged one. The key thus enters only this keyed, domain-separated digest, which is all that
 * leaves the middleware: one MAC, rather than a digest of the key and then a MAC of both.
 */
const signed = (binding: string, payload: string) =>
  encoder.encode(`${PURPOSE}${binding}.${payload}`);

/** The header value carrying `context`: base64url JSON, a dot, its HMAC-SHA-256. */
export async function sealContext(
  context: KeyContext,
  secret: string,
  binding: string,
): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify({ iat: Date.now(), context })));
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), signed(binding, payload));
  return `${payload}.${toBase64Url(new Uint8Array(mac))}`;
}

/**
 * The context a header value carries and when it was signed, or `undefined` unless it is
 * well formed and signed with `secret` for this `binding` (checked in constant time by Web
 * Crypto). How old it may be is the route's to decide (handed-context.ts).
 */
export async function openContext(
  value: string | null,
  secret: string,
  binding: string,
): Promise<OpenedContext | undefined> {
  const [payload, mac, extra] = value?.split(".") ?? [];
  if (payload === undefined || mac === undefined || extra !== undefined) return undefined;
  const signature = fromBase64Url(mac);
  const body = fromBase64Url(payload);
  if (signature === undefined || body === undefined) return undefined;
  const key = await hmacKey(secret);
  if (!(await crypto.subtle.verify("HMAC", key, signature, signed(binding, payload))))
    return undefined;
  const { iat, context } = JSON.parse(new TextDecoder().decode(body)) as {
    iat: number;
    context: KeyContext;
  };
  return Number.isFinite(iat) && typeof context?.keyId === "string"
    ? { context, signedAt: iat }
    : undefined;
}
