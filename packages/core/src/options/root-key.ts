import { KeyguardConfigError } from "../errors";

const NAMED: Readonly<Record<number, string>> = {
  9: "a tab",
  10: "a line feed (\\n)",
  13: "a carriage return (\\r)",
  32: "a space",
};

function kindOf(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  if (NAMED[code] !== undefined) return NAMED[code];
  if (code < 0x20 || code === 0x7f) return `a control character (${hex})`;
  return `a non-ASCII character (${hex})`;
}

/** Where in the key the character sits, without quoting any of the key. */
function placeOf(index: number, length: number): string {
  if (index === length - 1) return `at its end (character ${index + 1} of ${length})`;
  if (index === 0) return `at its start (character 1 of ${length})`;
  return `at character ${index + 1} of ${length}`;
}

/**
 * Refuses a root key that cannot travel in an `Authorization` header. A trailing
 * newline is the usual culprit (`echo … > file`, `kubectl create secret --from-file`):
 * the HTTP client then refuses every request, which looked like an Unkey outage
 * (fail-open let requests through) and put the header, root key included, in the
 * client's error message. Names the kind and position of the character, never the key.
 * RFC 9110 §5.5 and RFC 6750 §2.1: a Bearer token is printable ASCII with no spaces.
 */
export function checkRootKey(rootKey: string, fromEnv: boolean): string {
  for (let i = 0; i < rootKey.length; i++) {
    const code = rootKey.charCodeAt(i);
    if (code >= 0x21 && code <= 0x7e) continue;
    const origin = fromEnv ? "The UNKEY_ROOT_KEY environment variable" : "The root key";
    throw new KeyguardConfigError(
      "rootKey",
      `${origin} has ${kindOf(code)} ${placeOf(i, rootKey.length)}, which an HTTP header cannot carry, so no request to Unkey could be sent. ` +
        "Store the key without it (`printf '%s' \"$KEY\"` rather than `echo`, `kubectl create secret generic … --from-literal`), " +
        "or trim it where you read it: `rootKey: process.env.UNKEY_ROOT_KEY?.trim()`.",
    );
  }
  return rootKey;
}
