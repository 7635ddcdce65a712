/** Unkey accepts keys of 1 to 512 characters. */
export const MAX_KEY_LENGTH = 512;

/**
 * Whether a presented value could be an Unkey key at all: 1 to 512 printable
 * ASCII characters, no whitespace and no comma. Anything else is refused
 * locally, with no upstream call and no cache entry, so a flood of garbage
 * costs nothing. (Commas matter: duplicate headers reach some runtimes joined
 * with ", ", RFC 9110 §5.3.)
 */
export function isPlausibleKey(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > MAX_KEY_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    // 0x21..0x7e is printable ASCII without space; 0x2c is the comma.
    if (c < 0x21 || c > 0x7e || c === 0x2c) return false;
  }
  return true;
}
