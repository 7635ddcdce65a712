import type { KeySource } from "@keyguard/core/adapter";

/** What the plugin records on a guarded route's schema, for {@link keyguardOpenApi}. */
export interface RouteSecurity {
  readonly schemes: Readonly<Record<string, SecurityScheme>>;
  readonly permissions?: string | undefined;
}

/** An OpenAPI 3 security scheme, as keyguard declares them. */
export type SecurityScheme =
  | { readonly type: "http"; readonly scheme: string }
  | { readonly type: "apiKey"; readonly in: "header" | "query" | "cookie"; readonly name: string };

/** The route-schema key the plugin fills and `keyguardOpenApi()` consumes. */
export const SECURITY_KEY = "x-keyguard-security";

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

const PROBLEM_SCHEMA = {
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
};

const problem = (description: string) => ({
  description,
  content: {
    "application/problem+json": { schema: { $ref: "#/components/schemas/KeyguardProblem" } },
  },
});

const DENIALS = {
  "401": problem("No API key, or a malformed, unknown, expired or disabled one."),
  "403": problem("The API key lacks the permissions this route requires."),
  "429": problem("The API key's rate limit or credits are exhausted."),
  "503": problem("The API key could not be verified right now (Unkey unavailable)."),
};

type OpenApiObject = Record<string, unknown> & {
  paths?: Record<string, Record<string, Record<string, unknown>>>;
  components?: Record<string, Record<string, unknown>>;
};

/** Declares what one guarded operation enforces: security alternatives, denials, permissions. */
function declareOperation(operation: Record<string, unknown>, security: RouteSecurity) {
  operation.security = Object.keys(security.schemes).map((name) => ({ [name]: [] }));
  operation.responses = { ...DENIALS, ...(operation.responses as object | undefined) };
  if (security.permissions !== undefined) operation["x-permissions"] = security.permissions;
  delete operation[SECURITY_KEY];
}

/**
 * `@fastify/swagger`'s `transformObject` for keyguard: the one line a user adds,
 * since a plugin has no other way to put security schemes into the document.
 * Every route the plugin guards gets `security` (one alternative per key
 * source), the 401/403/429/503 problem+json responses and `x-permissions`;
 * public routes get none. Pass your own `transformObject` to run after it.
 *
 * @example
 * ```ts
 * await app.register(swagger, { openapi: { info: { title: "API", version: "1" } }, transformObject: keyguardOpenApi() });
 * ```
 */
export function keyguardOpenApi<D extends object>(
  next?: (input: { openapiObject: D }) => D,
): (input: { openapiObject?: D; swaggerObject?: unknown }) => D {
  return (input) => {
    // A Swagger 2 document (`swaggerObject`) has no place for these: returned as it is.
    if (input.openapiObject === undefined) return input.swaggerObject as D;
    const document = input.openapiObject as OpenApiObject;
    const components = { ...document.components };
    const securitySchemes: Record<string, unknown> = { ...components.securitySchemes };
    components.schemas = { ...components.schemas, KeyguardProblem: PROBLEM_SCHEMA };
    components.securitySchemes = securitySchemes;
    document.components = components;
    for (const methods of Object.values(document.paths ?? {})) {
      for (const operation of Object.values(methods)) {
        const security = operation?.[SECURITY_KEY] as RouteSecurity | undefined;
        if (security === undefined) continue;
        Object.assign(securitySchemes, security.schemes);
        declareOperation(operation, security);
      }
    }
    return next ? next({ openapiObject: document as D }) : (document as D);
  };
}
