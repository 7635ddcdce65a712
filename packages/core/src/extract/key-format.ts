/** Unkey accepts keys of 1 to 512 characters (`keys.verifyKey`'s `key`: minLength 1, maxLength 512). */
export const MAX_KEY_LENGTH = 512;

/** The number of Unicode code points (what JSON Schema's maxLength counts). */
export function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/**
 * Whether Unkey would take the value as a key at all: 1 to 512 characters (JSON Schema
 * counts code points). Nothing else is refused here: a migrated key may hold commas,
 * spaces or any other character, and Unkey verifies it.
 */
export function isPlausibleKey(value: string): boolean {
  const length = value.length;
  if (length === 0) return false;
  if (length <= MAX_KEY_LENGTH) return true; // UTF-16 units never undercount code points
  return length <= 2 * MAX_KEY_LENGTH && codePoints(value) <= MAX_KEY_LENGTH;
}

/**
 * Whether a header can carry a key as its client meant it, besides Unkey's bound: printable
 * ASCII. Never a control character (HTTP forbids them) nor non-ASCII (a server decodes
 * header bytes as Latin-1, so the key would differ from the client's). After an auth
 * scheme (`Authorization: Bearer …`), the credential is one token (RFC 9110 §11.4,
 * token68): no space, and no comma, which separates credentials and joins duplicates.
 * In a header of its own (`X-API-Key`), inner spaces and commas are fine, but not a space
 * at either end (HTTP strips it) nor `", "`: two headers of one name reach Web-standard
 * runtimes joined by it (RFC 9110 §5.3), which no server can tell from one value.
 */
export function headerCarries(value: string, afterScheme: boolean): boolean {
  const length = value.length;
  if (length === 0 || length > MAX_KEY_LENGTH) return false;
  if (value.charCodeAt(0) === 0x20 || value.charCodeAt(length - 1) === 0x20) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
    if (c === 0x20 || c === 0x2c) {
      // 0x20 is the space, 0x2c the comma.
      if (afterScheme || (c === 0x2c && value.charCodeAt(i + 1) === 0x20)) return false;
    }
  }
  return true;
}
