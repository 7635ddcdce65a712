import { QUOTA_EXCEEDED, TEMPORARY_REDUCED_CAPACITY } from "../decision/problem-types";
import type { KeySource } from "../extract/extract-key";
import type { PreparedRequest } from "../options/verify-request";

/** An OpenAPI 3 security scheme, as keyguard declares them. */
export type SecurityScheme =
  | { readonly type: "http"; readonly scheme: string }
  | { readonly type: "apiKey"; readonly in: "header" | "query" | "cookie"; readonly name: string };

/** What one guarded operation enforces: the key sources' schemes, the permission query, what it costs. */
export interface RouteSecurity {
  readonly schemes: Readonly<Record<string, SecurityScheme>>;
  readonly permissions?: string | undefined;
  /** Credits each request deducts (`cost`), as `x-cost`. */
  readonly cost?: number | undefined;
  /** The named rate limits each request applies (`ratelimits`), as `x-ratelimits`. */
  readonly ratelimits?: readonly string[] | undefined;
}

/** What a compiled route enforces, for the OpenAPI document: permissions, cost, rate limits. */
export function routeSecurityOf(
  schemes: Readonly<Record<string, SecurityScheme>>,
  route: PreparedRequest,
): RouteSecurity {
  return {
    schemes,
    permissions: route.querySource,
    cost: route.cost,
    ratelimits: route.ratelimits?.map((limit) => limit.name),
  };
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, "_");

/** One security scheme per key source, named for it (`keyguardBearer`, `keyguardHeader_x-api-key`). */
export function schemesOf(sources: readonly KeySource[]): Record<string, SecurityScheme> {
  const schemes: Record<string, SecurityScheme> = {};
  for (const source of sources) {
    if ("header" in source && source.header === "authorization" && source.scheme) {
      const scheme = source.scheme.toLowerCase();
      schemes[scheme === "bearer" ? "keyguardBearer" : `keyguardAuthorization_${safe(scheme)}`] = {
        type: "http",
        scheme,
      };
    } else if ("header" in source) {
      schemes[`keyguardHeader_${safe(source.header)}`] = {
        type: "apiKey",
        in: "header",
        name: source.header,
      };
    } else if ("query" in source) {
      schemes[`keyguardQuery_${safe(source.query)}`] = {
        type: "apiKey",
        in: "query",
        name: source.query,
      };
    } else {
      schemes[`keyguardCookie_${safe(source.cookie)}`] = {
        type: "apiKey",
        in: "cookie",
        name: source.cookie,
      };
    }
  }
  return schemes;
}

/** The name of the problem+json schema in `components.schemas`. */
export const PROBLEM_SCHEMA_NAME = "KeyguardProblem";

/** RFC 9457 problem details, as every denial's body. */
export const PROBLEM_SCHEMA = {
  type: "object",
  description: "RFC 9457 problem details; never echoes the key.",
  required: ["type", "title", "status", "detail", "code"],
  properties: {
    type: {
      type: "string",
      description: `IANA's ${QUOTA_EXCEEDED} (429) or ${TEMPORARY_REDUCED_CAPACITY} (503), else urn:keyguard:problem:<code>.`,
    },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: { type: "string" },
    requestId: { type: "string", description: "Unkey's request id, when Unkey just answered." },
    "violated-policies": {
      type: "array",
      items: { type: "string" },
      description:
        "With quota-exceeded: the policies of RateLimit-Policy that refused (draft-ietf-httpapi-ratelimit-headers §5.1).",
    },
    missingPermissions: {
      type: "array",
      items: { type: "string" },
      description:
        "With a 403 INSUFFICIENT_PERMISSIONS, when the guard's exposeMissingPermissions is on.",
    },
  },
} as const;

// The header objects of components.headers, referred to by every guarded response.
const HEADER_NAMES = {
  policy: "KeyguardRateLimitPolicy",
  limit: "KeyguardRateLimit",
  retryAfter: "KeyguardRetryAfter",
  challenge: "KeyguardWWWAuthenticate",
} as const;

/** The headers keyguard sends, for `components.headers`. */
export const HEADERS = {
  [HEADER_NAMES.policy]: {
    description:
      'The key\'s quota policies (draft-ietf-httpapi-ratelimit-headers, RFC 9651 List): one per rate limit, named for it, and "credits" for a key with credits, e.g. `"requests";q=100;w=60, "credits";q=42`.',
    schema: { type: "string" },
  },
  [HEADER_NAMES.limit]: {
    description:
      'What is left of each policy, e.g. `"requests";r=12;t=41, "credits";r=42` (`t`: seconds until more; none for credits).',
    schema: { type: "string" },
  },
  [HEADER_NAMES.retryAfter]: {
    description:
      "Seconds to wait (RFC 9110 §10.2.3): never earlier than the reset of a refusing rate limit; absent when only credits refused.",
    schema: { type: "integer", minimum: 1 },
  },
  [HEADER_NAMES.challenge]: {
    description:
      'RFC 6750 §3 challenge, e.g. `Bearer realm="api", error="insufficient_scope", scope="docs.write"`: a realm always, `error` once a key was presented.',
    schema: { type: "string" },
  },
} as const;

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

const problem = (
  description: string,
  headers: readonly string[],
  type?: string,
): Record<string, unknown> => ({
  description,
  headers: Object.fromEntries(headers.map((name) => [headerNameOf(name), ref(name)])),
  content: {
    "application/problem+json": {
      schema:
        type === undefined
          ? { $ref: `#/components/schemas/${PROBLEM_SCHEMA_NAME}` }
          : {
              allOf: [
                { $ref: `#/components/schemas/${PROBLEM_SCHEMA_NAME}` },
                { properties: { type: { type: "string", enum: [type] } } },
              ],
            },
    },
  },
});

function headerNameOf(component: string): string {
  if (component === HEADER_NAMES.policy) return "RateLimit-Policy";
  if (component === HEADER_NAMES.limit) return "RateLimit";
  if (component === HEADER_NAMES.retryAfter) return "Retry-After";
  return "WWW-Authenticate";
}

const { policy, limit, retryAfter, challenge } = HEADER_NAMES;

/** The responses every guarded operation may answer, by status. */
export const DENIAL_RESPONSES = {
  "400": /* @__PURE__ */ problem(
    "DUPLICATE_KEY: the API key was presented more than once (RFC 6750 §3.1 invalid_request).",
    [challenge],
  ),
  "401": /* @__PURE__ */ problem("No API key, or a malformed, unknown, expired or disabled one.", [
    challenge,
  ]),
  "403": /* @__PURE__ */ problem(
    "The API key lacks the permissions this route requires (insufficient_scope, the scope naming them), or may not be used here.",
    [challenge, policy, limit],
  ),
  "429": /* @__PURE__ */ problem(
    "The API key's rate limit or credits are exhausted (quota-exceeded; violated-policies names them).",
    [policy, limit, retryAfter],
    QUOTA_EXCEEDED,
  ),
  "503": /* @__PURE__ */ problem(
    "The API key could not be verified right now (Unkey unavailable).",
    [retryAfter],
    TEMPORARY_REDUCED_CAPACITY,
  ),
} as const;

type Components = Record<string, Record<string, unknown> | undefined>;

/** `components` with keyguard's problem schema, headers and these security schemes added (a copy). */
export function withKeyguardComponents(
  components: Components | undefined,
  schemes: Readonly<Record<string, SecurityScheme>>,
): Components {
  return {
    ...components,
    schemas: { ...components?.schemas, [PROBLEM_SCHEMA_NAME]: PROBLEM_SCHEMA },
    headers: { ...components?.headers, ...HEADERS },
    securitySchemes: { ...components?.securitySchemes, ...schemes },
  };
}

/** A 2xx response of a guarded operation: the RateLimit fields an allowed answer may carry. */
function withQuotaHeaders(response: unknown): unknown {
  if (typeof response !== "object" || response === null || "$ref" in response) return response;
  const headers = (response as { headers?: Record<string, unknown> }).headers;
  return {
    ...response,
    headers: { "RateLimit-Policy": ref(policy), RateLimit: ref(limit), ...headers },
  };
}

/**
 * Declares on one OpenAPI operation what keyguard enforces there: `security`
 * (one alternative per key source), the denials the operation does not already
 * describe (with their headers and problem types), the RateLimit fields on its 2xx
 * responses, `x-permissions` (the route's permission query), `x-cost` (credits per
 * request) and `x-ratelimits` (the named rate limits it applies).
 */
export function declareGuardedOperation(
  operation: Record<string, unknown>,
  security: RouteSecurity,
): void {
  operation.security = Object.keys(security.schemes).map((name) => ({ [name]: [] }));
  const own = (operation.responses ?? {}) as Record<string, unknown>;
  const responses: Record<string, unknown> = { ...DENIAL_RESPONSES };
  for (const [status, response] of Object.entries(own))
    responses[status] = status.startsWith("2") ? withQuotaHeaders(response) : response;
  operation.responses = responses;
  if (security.permissions !== undefined) operation["x-permissions"] = security.permissions;
  if (security.cost !== undefined) operation["x-cost"] = security.cost;
  if (security.ratelimits !== undefined && security.ratelimits.length > 0)
    operation["x-ratelimits"] = security.ratelimits;
}
