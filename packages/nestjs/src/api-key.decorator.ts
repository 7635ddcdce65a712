import { type KeyContext, KeyguardSetupError } from "@keyguard/core";
import { createParamDecorator, type ExecutionContext } from "@nestjs/common";

const FIELDS: ReadonlySet<string> = new Set<keyof KeyContext>([
  "keyId",
  "name",
  "meta",
  "roles",
  "permissions",
  "identity",
  "credits",
  "expires",
  "ratelimits",
  "source",
]);

/** What `@ApiKey()` injects; also how the start-up check recognises the decorator on a handler. */
export function readApiKey(field: keyof KeyContext | undefined, context: ExecutionContext) {
  const request = context.switchToHttp().getRequest<{ unkey?: KeyContext | null }>();
  const key = request.unkey ?? undefined;
  return field === undefined ? key : key?.[field];
}

const apiKeyParam = createParamDecorator(readApiKey);

/**
 * Injects the `KeyContext` of the key `UnkeyGuard` let in, or one field of it
 * (`@ApiKey("keyId")`). `undefined` on `@Public()` routes and CORS preflights.
 *
 * @example
 * ```ts
 * @Get("me")
 * me(@ApiKey() key: KeyContext, @ApiKey("keyId") keyId: string) {
 *   return { keyId, permissions: key.permissions };
 * }
 * ```
 */
export function ApiKey(field?: keyof KeyContext): ParameterDecorator {
  if (field !== undefined && !FIELDS.has(field)) {
    throw new KeyguardSetupError(
      "@ApiKey(field)",
      `expected a field of the key's context, one of ${[...FIELDS].join(", ")}, got ${JSON.stringify(field)}.`,
    );
  }
  return field === undefined ? apiKeyParam() : apiKeyParam(field);
}
