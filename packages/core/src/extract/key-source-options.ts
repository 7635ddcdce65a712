import { KeyguardConfigError } from "../errors";
import { rejectUnknownOptions } from "../options/option-names";
import type { KeySource } from "./extract-key";

/** The fields each kind of key source takes, by the field that names its kind. */
const SOURCE_FIELDS = {
  header: ["header", "scheme"],
  query: ["query"],
  cookie: ["cookie", "trustedOrigins"],
} as const;

const EXPECTED_SOURCE =
  "expected { header: string, scheme?: string }, { query: string } or { cookie: string, trustedOrigins?: string[] }.";

// RFC 9110 §11.1: auth-scheme = token.
const AUTH_SCHEME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The kind of a source object, by its first naming field, or undefined for none. */
function kindOf(source: object): keyof typeof SOURCE_FIELDS | undefined {
  if ("header" in source) return "header";
  if ("query" in source) return "query";
  if ("cookie" in source) return "cookie";
  return undefined;
}

/** `http(s)://host[:port]` as the Fetch standard serializes an origin, or undefined. */
function serializedOrigin(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A cookie source's `trustedOrigins`, each exactly as a browser sends `Origin` (RFC 6454
 * §6.1: lower-case scheme and host, no default port, no path), since requests are
 * matched by comparing that header to them as strings.
 */
function validateTrustedOrigins(value: unknown, at: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new KeyguardConfigError(
      at,
      `expected an array of origins such as ["https://app.example.com"], got ${JSON.stringify(value)}.`,
    );
  }
  return Object.freeze(
    value.map((origin: unknown, i): string => {
      const serialized = serializedOrigin(origin);
      if (serialized !== undefined && serialized === origin) return serialized;
      throw new KeyguardConfigError(
        `${at}[${i}]`,
        serialized === undefined
          ? `expected an http(s) origin such as "https://app.example.com", got ${JSON.stringify(origin)}.`
          : `expected the origin as browsers send it in \`Origin\` (no path, no default port), "${serialized}"; got ${JSON.stringify(origin)}.`,
      );
    }),
  );
}

function validateSource(source: unknown, at: string): KeySource {
  if (typeof source !== "object" || source === null)
    throw new KeyguardConfigError(at, EXPECTED_SOURCE);
  const fields = source as Record<string, unknown>;
  const kind = kindOf(fields);
  // A misspelt kind (`{ heder: "x" }`) is named, with the kind it meant.
  if (kind === undefined) rejectUnknownOptions(fields, Object.keys(SOURCE_FIELDS), `${at}.`);
  const name = kind === undefined ? undefined : fields[kind];
  if (kind === undefined || typeof name !== "string" || name.trim() === "") {
    throw new KeyguardConfigError(at, EXPECTED_SOURCE);
  }
  if (kind !== "cookie" && "trustedOrigins" in fields) {
    throw new KeyguardConfigError(
      `${at}.trustedOrigins`,
      "only a cookie source takes it: a browser attaches a cookie to another site's requests by itself, never a header or a query parameter.",
    );
  }
  rejectUnknownOptions(fields, SOURCE_FIELDS[kind], `${at}.`);
  if (kind === "header") {
    const { scheme } = fields;
    if (scheme !== undefined && (typeof scheme !== "string" || !AUTH_SCHEME.test(scheme))) {
      throw new KeyguardConfigError(
        `${at}.scheme`,
        `expected an auth scheme such as "Bearer", got ${JSON.stringify(scheme)}.`,
      );
    }
    return Object.freeze({ header: name.toLowerCase(), scheme });
  }
  if (kind === "query") return Object.freeze({ query: name });
  const trustedOrigins = validateTrustedOrigins(fields.trustedOrigins, `${at}.trustedOrigins`);
  return Object.freeze(
    trustedOrigins === undefined ? { cookie: name } : { cookie: name, trustedOrigins },
  );
}

/**
 * Checks `keySources` at start-up, naming the offending entry (`keySources[1].scheme`),
 * and returns them frozen, header names in lower case.
 *
 * @example
 * ```ts
 * validateKeySources([{ cookie: "api_key", trustedOrigins: ["https://app.example.com"] }]);
 * ```
 */
export function validateKeySources(sources: unknown): readonly KeySource[] {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new KeyguardConfigError(
      "keySources",
      "expected a non-empty array of { header, scheme? }, { query } or { cookie, trustedOrigins? }.",
    );
  }
  return Object.freeze(sources.map((source, i) => validateSource(source, `keySources[${i}]`)));
}
