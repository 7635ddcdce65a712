import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

/** The keys derived from the user's secret, one per purpose (RFC 5869 HKDF). */
export interface DerivedKeys {
  /** HMAC key of entry ids: ids reveal nothing of the API key, not even Unkey's SHA-256 of it. */
  readonly id: Buffer;
  /** HMAC key of the key-id index names. */
  readonly keyId: Buffer;
  /** HMAC key of the identity (`externalId`) index names. */
  readonly identity: Buffer;
  /** AES-256-GCM key of every stored value and bus message. */
  readonly seal: Buffer;
}

const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit nonces, random per message
const TAG_BYTES = 16;

export function deriveKeys(secret: string): DerivedKeys {
  const material = Buffer.from(secret, "utf8");
  const derive = (purpose: string) =>
    Buffer.from(hkdfSync("sha256", material, "keyguard/redis", purpose, 32));
  return {
    id: derive("entry id"),
    keyId: derive("key id index"),
    identity: derive("identity index"),
    seal: derive("aes-256-gcm"),
  };
}

export const keyedHash = (key: Buffer, value: string): string =>
  createHmac("sha256", key).update(value, "utf8").digest("base64url");

/** Encrypts `plaintext`, bound to `context` (additional data): base64 of nonce, tag, ciphertext. */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

/** The plaintext of what {@link seal} made for `context`; `undefined` when it was altered, or sealed for another context or secret. */
export function open(key: Buffer, sealed: string, context: string): string | undefined {
  try {
    const bytes = Buffer.from(sealed, "base64");
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    return undefined;
  }
}
