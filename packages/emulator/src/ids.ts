import { randomBytes } from "node:crypto";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/**
 * Encodes bytes in Bitcoin's base58 alphabet, the alphabet Unkey uses for keys.
 */
export function base58(bytes: Uint8Array): string {
  const digits: number[] = [0];
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += (digits[i] ?? 0) << 8;
      digits[i] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = "";
  for (const byte of bytes) {
    if (byte !== 0) break;
    out += "1";
  }
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i] ?? 0];
  return out;
}

/** Random base58 text from `byteLength` random bytes. */
export function randomBase58(byteLength: number): string {
  return base58(randomBytes(byteLength));
}

/** An Unkey-style id: `prefix_` followed by random base58 (e.g. `key_3Zf…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase58(12)}`;
}

let requestCounter = 0;
const requestSalt = randomBase58(4);

/** A cheap unique request id (`req_…`): a counter, no randomness on the hot path. */
export function newRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `req_${requestSalt}${requestCounter.toString(36)}`;
}

/** Generates a root key: `unkey_root_` followed by base58. */
export function newRootKey(): string {
  return `unkey_root_${randomBase58(24)}`;
}
