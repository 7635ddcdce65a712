// The few Structured Field Values (RFC 9651) the RateLimit fields need: a List of Items,
// each a String with Integer parameters. Serialized by hand: a library would be the one
// dependency of the hot path, for a grammar this small.

/** RFC 9651 §3.3.1: an Integer has at most 15 digits. */
const MAX_SF_INTEGER = 999_999_999_999_999;

/** One Item of a List: a String and its Integer parameters, in order. */
export interface SfItem {
  readonly value: string;
  readonly params: readonly (readonly [key: string, value: number])[];
}

/**
 * RFC 9651 §4.1.6: a String is printable ASCII (%x20-7E) in quotes, `"` and `\` escaped.
 * The caller makes sure of the range (see policy-name.ts); anything outside it is a bug.
 */
export function serializeString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new RangeError(`not an sf-string character: ${c}`);
    out += c === 0x22 || c === 0x5c ? `\\${value[i]}` : value[i];
  }
  return `${out}"`;
}

/**
 * RFC 9651 §4.1.4: a whole number of at most 15 digits. The fields carry counts and seconds,
 * never negative: a value below zero is 0, one past the bound the bound (a window of 30 days
 * or a quota of 10^15 never comes near it).
 */
export function serializeInteger(value: number): string {
  return String(Math.min(MAX_SF_INTEGER, Math.max(0, Math.floor(value))));
}

/** RFC 9651 §4.1.1: the Items of a List, `, `-separated, each `"value";key=int…`. */
export function serializeList(items: readonly SfItem[]): string {
  let out = "";
  for (const item of items) {
    if (out !== "") out += ", ";
    out += serializeString(item.value);
    for (const [key, value] of item.params) out += `;${key}=${serializeInteger(value)}`;
  }
  return out;
}
