import { type CustomDecorator, SetMetadata } from "@nestjs/common";
import { PUBLIC_METADATA } from "./constants";

/**
 * Marks a route (or every route of a controller) as public: `UnkeyGuard` lets
 * it through without looking for a key, and `@ApiKey()` is `undefined` there.
 *
 * @example
 * ```ts
 * @Public()
 * @Get("health")
 * health() { return "ok"; }
 * ```
 */
export function Public(): CustomDecorator<string> {
  return SetMetadata(PUBLIC_METADATA, true);
}
