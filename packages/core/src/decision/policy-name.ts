// Names of quota policies as the RateLimit fields carry them. draft-ietf-httpapi-ratelimit-headers-10
// §3: a policy's identifier "MUST be a String" (RFC 9651 §3.3.3: printable ASCII only). Unkey's
// rate-limit names and namespaces may hold any character, so the others are percent-encoded as
// UTF-8 bytes, lower-case hex, as RFC 9651 §3.3.8 encodes a Display String, and so is `%` itself:
// `café` is `caf%c3%a9`, `50%` is `50%25`. A printable ASCII name without `%` is left as it is.

const encoder = new TextEncoder();

const hex = (byte: number) => `%${byte.toString(16).padStart(2, "0")}`;

function needsEncoding(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) return true;
  }
  return false;
}

/**
 * The policy name for a rate limit's name or a namespace: the name itself when it fits an
 * sf-string (printable ASCII without `%`), else percent-encoded (see above). The 429 body's
 * `violated-policies` quotes the same text, so a client matches the two as they are.
 *
 * @example
 * ```ts
 * policyName("requests"); // "requests"
 * policyName("café");     // "caf%c3%a9"
 * ```
 */
export function policyName(name: string): string {
  if (!needsEncoding(name)) return name;
  let out = "";
  for (const byte of encoder.encode(name)) {
    out += byte < 0x20 || byte > 0x7e || byte === 0x25 ? hex(byte) : String.fromCharCode(byte);
  }
  return out;
}

/**
 * The names, each repeat renamed `name#2`, `name#3`, … (the first free one): the policies
 * of one field must tell apart, and two limits may share a name (two limits of a group in
 * one namespace, a rate limit named like the credits policy).
 */
export function distinctNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 2; used.has(candidate); n++) candidate = `${name}#${n}`;
    used.add(candidate);
    return candidate;
  });
}
