import type { Identity, RatelimitState, UnkeyVerifyCode, VerifyCode, VerifyResult } from "../types";

const KNOWN_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set<UnkeyVerifyCode>([
  "VALID",
  "NOT_FOUND",
  "FORBIDDEN",
  "INSUFFICIENT_PERMISSIONS",
  "USAGE_EXCEEDED",
  "RATE_LIMITED",
  "DISABLED",
  "EXPIRED",
]);

/** A JSON object (not `null`, not an array). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const stringList = (value: unknown): readonly string[] =>
  Array.isArray(value)
    ? Object.freeze(value.filter((v): v is string => typeof v === "string"))
    : [];

const finite = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

function ratelimits(value: unknown): readonly RatelimitState[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: RatelimitState[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    out.push(
      Object.freeze({
        id: text(item.id),
        name: text(item.name) ?? "",
        exceeded: item.exceeded === true,
        limit: finite(item.limit) ?? 0,
        remaining: finite(item.remaining) ?? 0,
        duration: finite(item.duration) ?? 0,
        reset: finite(item.reset) ?? 0,
        autoApply: item.autoApply === true,
      }),
    );
  }
  return Object.freeze(out);
}

function identity(value: unknown): Identity | undefined {
  if (!isObject(value)) return undefined;
  const id = text(value.id);
  if (id === undefined) return undefined;
  return Object.freeze({
    id,
    externalId: text(value.externalId) ?? "",
    meta: isObject(value.meta) ? value.meta : undefined,
    ratelimits: Array.isArray(value.ratelimits) ? value.ratelimits : undefined,
  });
}

/**
 * Turns the `data` of a 200 answer into a frozen {@link VerifyResult}, or
 * `undefined` when it is not a verification at all. Defensive by design: a key
 * is valid only when `valid === true`, `code === "VALID"` and a `keyId` is
 * present; an unknown code is `UNKNOWN`, never valid.
 */
export function parseVerifyData(
  data: unknown,
  requestId: string | undefined,
): VerifyResult | undefined {
  if (!isObject(data) || typeof data.valid !== "boolean" || typeof data.code !== "string") {
    return undefined;
  }
  const code: VerifyCode = KNOWN_CODES.has(data.code) ? (data.code as UnkeyVerifyCode) : "UNKNOWN";
  const keyId = text(data.keyId);
  const valid = data.valid && code === "VALID";
  if (valid && keyId === undefined) return undefined;
  if (data.valid !== (code === "VALID") && code !== "UNKNOWN") return undefined;
  return Object.freeze({
    valid,
    code,
    keyId,
    name: text(data.name),
    meta: isObject(data.meta) ? Object.freeze({ ...data.meta }) : undefined,
    roles: stringList(data.roles),
    permissions: stringList(data.permissions),
    identity: identity(data.identity),
    credits: finite(data.credits),
    expires: finite(data.expires),
    enabled: typeof data.enabled === "boolean" ? data.enabled : undefined,
    ratelimits: ratelimits(data.ratelimits),
    requestId,
    source: "upstream",
  });
}

/** Reads `meta.requestId` from any Unkey envelope. */
export function requestIdOf(body: unknown): string | undefined {
  return isObject(body) && isObject(body.meta) ? text(body.meta.requestId) : undefined;
}

/** Reads `error.title` / `error.detail` from an Unkey error envelope, for log messages. */
export function errorSummaryOf(body: unknown): string | undefined {
  if (!isObject(body) || !isObject(body.error)) return undefined;
  const parts = [text(body.error.title), text(body.error.detail)].filter(Boolean);
  return parts.length > 0 ? parts.join(": ") : undefined;
}

// internal/services/keys/validation.go (withRateLimits): "ratelimit '%s' was requested but
// does not exist for key '%s'…", with status 412 (svc/api/routes/v2_keys_verify_key/412_test.go).
const MISSING_RATELIMIT =
  /ratelimit '([^']{1,255})' was requested but does not exist for key '([^']{1,255})'/;

/**
 * keys.verifyKey's 412 as the answer it is: this key (otherwise valid so far: Unkey checks
 * rate limits after enabled, expiry and permissions) has no rate limit of a name the request
 * applies, neither its own nor its identity's. Other keys are unaffected, so it is a refusal
 * of this request, never a misconfiguration of every request.
 */
export function parseMissingRatelimit(
  status: number,
  body: unknown,
  requestId: string | undefined,
): VerifyResult | undefined {
  if (status !== 412 || !isObject(body) || !isObject(body.error)) return undefined;
  const found = MISSING_RATELIMIT.exec(text(body.error.detail) ?? "");
  return Object.freeze({
    valid: false,
    code: "MISSING_RATELIMIT",
    keyId: found?.[2],
    missingRatelimit: found?.[1],
    roles: Object.freeze([]),
    permissions: Object.freeze([]),
    requestId,
    source: "upstream",
  });
}

/**
 * keys.verifyKey's 400 for a key that is neither known nor in the shape of the migration
 * named by `migrationId` (internal/services/keys/get_migrated.go: "Invalid key format",
 * an authentication/malformed error): a key that cannot exist, so `NOT_FOUND`, never a
 * misconfiguration (every garbage key would otherwise answer 500). Only with a migrationId:
 * without one, keyguard's own requests cannot be malformed that way.
 */
export function parseUnmigratable(
  status: number,
  body: unknown,
  requestId: string | undefined,
): VerifyResult | undefined {
  if (status !== 400 || !isObject(body) || !isObject(body.error)) return undefined;
  if (!(text(body.error.type) ?? "").endsWith("/authentication/malformed")) return undefined;
  return Object.freeze({
    valid: false,
    code: "NOT_FOUND",
    roles: Object.freeze([]),
    permissions: Object.freeze([]),
    requestId,
    source: "upstream",
  });
}
