import type { KeySource } from "../extract/extract-key";

/** An OpenAPI 3 security scheme, as keyguard declares them. */
export type SecurityScheme =
  | { readonly type: "http"; readonly scheme: string }
  | { readonly type: "apiKey"; readonly in: "header" | "query" | "cookie"; readonly name: string };

/** What one guarded operation enforces: the key sources' schemes and the permission query. */
export interface RouteSecurity {
  readonly schemes: Readonly<Record<string, SecurityScheme>>;
  readonly permissions?: string | undefined;
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
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: { type: "string" },
    requestId: { type: "string", description: "Unkey's request id, when Unkey just answered." },
  },
} as const;

const problem = (description: string) => ({
  description,
  content: {
    "application/problem+json": {
      schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA_NAME}` },
    },
  },
});

/** The responses every guarded operation may answer, by status. */
export const DENIAL_RESPONSES = {
  "401": /* @__PURE__ */ problem("No API key, or a malformed, unknown, expired or disabled one."),
  "403": /* @__PURE__ */ problem("The API key lacks the permissions this route requires."),
  "429": /* @__PURE__ */ problem("The API key's rate limit or credits are exhausted."),
  "503": /* @__PURE__ */ problem(
    "The API key could not be verified right now (Unkey unavailable).",
  ),
} as const;

type Components = Record<string, Record<string, unknown> | undefined>;

/** `components` with keyguard's problem schema and these security schemes added (a copy). */
export function withKeyguardComponents(
  components: Components | undefined,
  schemes: Readonly<Record<string, SecurityScheme>>,
): Components {
  return {
    ...components,
    schemas: { ...components?.schemas, [PROBLEM_SCHEMA_NAME]: PROBLEM_SCHEMA },
    securitySchemes: { ...components?.securitySchemes, ...schemes },
  };
}

/**
 * Declares on one OpenAPI operation what keyguard enforces there: `security`
 * (one alternative per key source), the denials the operation does not already
 * describe, and `x-permissions` (the route's permission query).
 */
export function declareGuardedOperation(
  operation: Record<string, unknown>,
  security: RouteSecurity,
): void {
  operation.security = Object.keys(security.schemes).map((name) => ({ [name]: [] }));
  operation.responses = { ...DENIAL_RESPONSES, ...(operation.responses as object | undefined) };
  if (security.permissions !== undefined) operation["x-permissions"] = security.permissions;
}
